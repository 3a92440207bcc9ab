import Foundation
import LRS
import Synchronization

/// Request counts and durations per route and status, in the Prometheus text format.
final class Metrics: Sendable {
    struct Key: Hashable {
        var route: String
        var status: Int
    }

    struct Figures {
        var count = 0
        var seconds = 0.0
    }

    private let figures = Mutex<[Key: Figures]>([:])

    func record(route: String, status: Int, seconds: Double) {
        figures.withLock { $0[Key(route: route, status: status), default: Figures()].count += 1; $0[Key(route: route, status: status)]?.seconds += seconds }
    }

    /// Everything, with the LRS writer's group-commit counts.
    func render(writer: StatementWriter.Figures) -> String {
        var text = render()
        for (name, help, value) in [
            ("ecba_lrs_statement_transactions_total", "Transactions the LRS's statement writer committed (group commit).", writer.transactions),
            ("ecba_lrs_statement_requests_total", "Statement POSTs and PUTs stored or refused through them.", writer.requests),
            ("ecba_lrs_statements_received_total", "Statements those requests carried.", writer.statements),
            ("ecba_lrs_statement_regroups_total", "Transactions undone because one request failed, then stored again request by request.", writer.regrouped),
        ] {
            text += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name) \(value)\n"
        }
        text += "# HELP ecba_lrs_statement_requests_waiting Statement requests waiting for the writer.\n"
        text += "# TYPE ecba_lrs_statement_requests_waiting gauge\necba_lrs_statement_requests_waiting \(writer.waiting)\n"
        return text
    }

    func render() -> String {
        let snapshot = figures.withLock { $0 }.sorted { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }
        var text = "# HELP ecba_http_requests_total HTTP requests answered, by route and status.\n# TYPE ecba_http_requests_total counter\n"
        for (key, value) in snapshot {
            text += "ecba_http_requests_total{route=\"\(key.route)\",status=\"\(key.status)\"} \(value.count)\n"
        }
        text += "# HELP ecba_http_request_duration_seconds_sum Time spent answering, by route and status.\n# TYPE ecba_http_request_duration_seconds_sum counter\n"
        for (key, value) in snapshot {
            text += "ecba_http_request_duration_seconds_sum{route=\"\(key.route)\",status=\"\(key.status)\"} \(value.seconds)\n"
        }
        return text
    }
}
