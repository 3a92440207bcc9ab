import Credentials
import Foundation

/// Who issues the platform's credentials, and the IRIs it mints.
public enum Issuer {
    public static let base = "https://learning.ecba.org.cn"
    public static let profile = Profile(id: base + "/issuers/ecba", name: "中国科协工程能力建设联盟 (ECBA) continuing education")
    /// Where the issuer publishes its JWK set (what `ecba keys jwks` prints).
    public static let jwksURL = base + "/issuers/ecba/jwks.json"

    public static func engineer(_ id: String) -> String { base + "/engineers/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id) }

    public static func courseVersion(_ courseID: String, _ version: Int) -> String {
        base + "/courses/" + (courseID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? courseID) + "/versions/\(version)"
    }
}
