import HTTPTypes
import NIOCore
import NIOHTTPTypes
import PlayerWeb

/// Answers package files that are already in memory (`PlayerSite.cachedAnswer`) on the event
/// loop, below Hummingbird's router: a page's dozens of small files then cost no task, no
/// router and no middleware each. Everything else (an uncached session or file, a range, a
/// HEAD, a non-file route, a request with `Connection` options) goes on to the router unchanged,
/// which answers it and fills the cache.
///
/// HTTP/1.1 answers must leave in the order the requests came: while any request passed to the
/// router is unanswered, later ones are passed on too.
final class CachedContentHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let site: PlayerSite
    let serverName: String
    let date: HTTPDate
    /// Called for every answer sent here (the metrics of the route it stands for).
    let answered: @Sendable (_ status: Int, _ seconds: Double) -> Void

    /// Requests passed to the router whose answer has not ended yet.
    private var routed = 0
    /// The current request was answered here: its body and end are dropped.
    private var dropping = false
    private var wroteSinceFlush = false

    init(site: PlayerSite, serverName: String, date: HTTPDate, answered: @escaping @Sendable (Int, Double) -> Void) {
        self.site = site
        self.serverName = serverName
        self.date = date
        self.answered = answered
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let started = ContinuousClock.now
            if routed == 0, head.headerFields[.connection] == nil, let answer = site.cachedAnswer(to: head) {
                var response = answer.0
                let body = answer.1
                dropping = true
                response.headerFields[.date] = date.now
                response.headerFields[.server] = serverName
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
                wroteSinceFlush = true
                let elapsed = ContinuousClock.now - started
                answered(Int(response.status.code), Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            } else {
                dropping = false
                routed += 1
                context.fireChannelRead(data)
            }
        case .body:
            if !dropping { context.fireChannelRead(data) }
        case .end:
            if dropping { dropping = false } else { context.fireChannelRead(data) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if wroteSinceFlush {
            wroteSinceFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed -= 1 }
        context.write(data, promise: promise)
    }
}
