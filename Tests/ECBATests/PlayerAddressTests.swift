@testable import PlayerWeb
import Testing

/// The two checks every player request passes first: which session a Host names, and which
/// package file a path names.
@Suite("Session origins and package paths")
struct PlayerAddressTests {
    let token = "0123456789abcdef0123456789abcdef"

    @Test("a Host names a session only as <32 lower-case hex>.<public host>, with or without a port, in any case")
    func sessionToken() {
        let address = PlayerAddress(publicURL: "https://Learn.Example.org/")
        #expect(address.host == "learn.example.org")
        #expect(address.sessionToken(inHost: "\(token).learn.example.org") == token)
        #expect(address.sessionToken(inHost: "\(token).LEARN.example.org:443") == token)
        #expect(address.sessionToken(inHost: "learn.example.org") == nil)
        #expect(address.sessionToken(inHost: nil) == nil)
        #expect(address.sessionToken(inHost: "\(token.uppercased()).learn.example.org") == nil)
        #expect(address.sessionToken(inHost: "\(token.dropLast()).learn.example.org") == nil)
        #expect(address.sessionToken(inHost: "\(token)0.learn.example.org") == nil)
        #expect(address.sessionToken(inHost: "x\(token.dropFirst()).learn.example.org") == nil)
        #expect(address.sessionToken(inHost: "\(token).learn.example.org.evil.test") == nil)
        #expect(address.sessionToken(inHost: "\(token).evil-learn.example.org") == nil)
        #expect(address.sessionToken(inHost: "\(token)xlearn.example.org") == nil)
        #expect(address.sessionOrigin(token) == "https://\(token).learn.example.org")
    }

    @Test("a path names a package file only as a plain relative path once decoded")
    func packagePath() {
        #expect(PlayerSite.packagePath("/content/index.html") == "index.html")
        #expect(PlayerSite.packagePath("/content/a%20b/c.html") == "a b/c.html")
        #expect(PlayerSite.packagePath("/content/%E8%AF%BE/1.html") == "课/1.html")
        for bad in ["/content/", "/content/../x", "/content/a/%2e%2e/b", "/content/a%5cb", "/content/a\\b", "/content/a%00b",
                    "/content//etc/passwd", "/content/%2fetc/passwd", "/content/a//b", "/content/a/./b", "/content/a/", "/content/%zz"] {
            #expect(PlayerSite.packagePath(bad) == nil, "\(bad)")
        }
    }
}
