@testable import ECBACommands
import Testing

@Suite("Help text")
struct HelpTests {
    @Test("hand-wrapped paragraphs are re-flowed; examples, list items and blank lines are kept")
    func prose() {
        let text = """
            A paragraph written
            over three lines
            in the source.

            Examples:
              ecba demo
              ecba catalog search 安全
            - a list item that
                continues here
            - another
            """
        #expect(Help.prose(text) == """
            A paragraph written over three lines in the source.

            Examples:
              ecba demo
              ecba catalog search 安全
            - a list item that continues here
            - another
            """)
    }
}
