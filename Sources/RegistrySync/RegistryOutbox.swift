import Foundation
import Storage

/// The registry outbox's rule, in the transaction of the change that calls for a delivery: each
/// version of a credit record goes once to the registry of every society its engineer belongs
/// to, and a new member's standing records go to their society's registry. Societies without a
/// registry get nothing (`setRegistry` queues their members' standing records when one is set).
/// A row already queued for the same society, record and version is left as it is.
extension StoreTransaction {
    /// Queues version `recordVersion` of award `awardID` (the engineer's) for their societies'
    /// registries, due at once. Called by whatever writes a credit record.
    public func queueRecordForRegistries(awardID: Int64, engineerID: String, recordVersion: Int) throws {
        try sql.execute(
            """
            INSERT INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
            SELECT m.society_id, ?, ?, 'pending', ?, ?
            FROM society_membership m JOIN society_registry r ON r.society_id = m.society_id
            WHERE m.engineer_id = ?
            ON CONFLICT DO NOTHING
            """,
            [.integer(awardID), .integer(Int64(recordVersion)), .text(stamp), .text(stamp), .text(engineerID)]
        )
    }

    /// Queues the engineer's standing records for `societyID`'s registry, if it has one: called
    /// when they become its member.
    public func queueStandingRecordsForRegistry(engineerID: String, societyID: String) throws {
        try sql.execute(
            """
            INSERT INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
            SELECT r.society_id, a.id, a.record_version, 'pending', ?, ?
            FROM credit_award a JOIN society_registry r ON r.society_id = ?
            WHERE a.engineer_id = ? AND a.revoked_at IS NULL
            ON CONFLICT DO NOTHING
            """,
            [.text(stamp), .text(stamp), .text(societyID), .text(engineerID)]
        )
    }
}
