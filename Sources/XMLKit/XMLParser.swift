import CLibXML2
import Foundation

/// Limits applied to every untrusted document.
public struct XMLLimits: Sendable, Equatable {
    /// Largest document accepted, in bytes.
    public var maxBytes: Int
    /// Deepest element nesting accepted.
    public var maxDepth: Int
    /// Most elements accepted in one document.
    public var maxElements: Int

    /// 32 MiB, depth 128, 500,000 elements: far above any real manifest, far below harm.
    public static let `default` = XMLLimits(maxBytes: 32 << 20, maxDepth: 128, maxElements: 500_000)

    public init(maxBytes: Int, maxDepth: Int, maxElements: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }
}

/// Why a document was refused.
public struct XMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not well-formed XML.
        case malformed
        /// A DOCTYPE declares entities (XXE, billion laughs): refused before any expansion.
        case entityDeclaration
        /// Larger than `XMLLimits.maxBytes`.
        case tooLarge
        /// Nested deeper than `XMLLimits.maxDepth`.
        case tooDeep
        /// More elements than `XMLLimits.maxElements`.
        case tooManyElements
    }

    public var kind: Kind
    /// 1-based line where the problem was found, 0 when unknown.
    public var line: Int
    public var message: String

    public init(kind: Kind, line: Int, message: String) {
        self.kind = kind
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// A parsed document: its root element and whether it carried a DOCTYPE.
public struct XMLDocumentTree: Sendable {
    public var root: XMLElement
    /// True when the document had a `<!DOCTYPE>` (without entity declarations, or it would
    /// have been refused). The DTD is never loaded.
    public var hasDoctype: Bool
    /// What XSD validation found, when a schema was given; empty otherwise.
    public var schemaViolations: [XMLSchemaViolation]
}

/// Parses untrusted XML with libxml2: no network, no DTD loading, no entity substitution,
/// and DOCTYPEs that declare entities are refused. Errors never reach stderr.
public enum SafeXMLParser {
    static let setUp: Void = {
        xmlInitParser()
        ecba_install_nonet_loader()
    }()

    /// Parser options: never `XML_PARSE_NOENT`, `XML_PARSE_DTDLOAD` or `XML_PARSE_HUGE`.
    static let options: Int32 = Int32(
        XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOBLANKS.rawValue
            | XML_PARSE_COMPACT.rawValue
    )

    /// Parses the bytes of a document into a tree of values, validating it against `schema`
    /// when one is given (the same libxml2 document serves both: one parse).
    public static func parse(
        _ data: Data,
        url: String = "document.xml",
        limits: XMLLimits = .default,
        schema: XMLSchemaValidator? = nil
    ) throws(XMLParseError) -> XMLDocumentTree {
        _ = setUp
        guard data.count <= limits.maxBytes else {
            throw XMLParseError(
                kind: .tooLarge, line: 0,
                message: "document is \(data.count) bytes, the limit is \(limits.maxBytes)"
            )
        }
        guard let context = xmlNewParserCtxt() else {
            throw XMLParseError(kind: .malformed, line: 0, message: "libxml2 could not allocate a parser")
        }
        defer { xmlFreeParserCtxt(context) }
        // An entity declaration stops the parser at once; the flag tells us why it stopped.
        context.pointee.sax.pointee.entityDecl = { rawContext, _, _, _, _, _ in
            guard let parser = rawContext?.assumingMemoryBound(to: xmlParserCtxt.self) else { return }
            parser.pointee._private = UnsafeMutableRawPointer(bitPattern: 1)
            xmlStopParser(parser)
        }
        let document: xmlDocPtr? = data.withUnsafeBytes { buffer -> xmlDocPtr? in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self) else { return nil }
            return xmlCtxtReadMemory(context, base, Int32(buffer.count), url, nil, options)
        }
        // From here the document belongs to `storage`, which frees it with the last element.
        let storage = document.map(XMLDocumentStorage.init)
        if context.pointee._private != nil {
            throw XMLParseError(
                kind: .entityDeclaration, line: Int(context.pointee.input?.pointee.line ?? 0),
                message: "the DOCTYPE declares entities; entity declarations are refused (XXE and entity-expansion protection)"
            )
        }
        guard let document, context.pointee.wellFormed != 0,
              let rootNode = xmlDocGetRootElement(document)
        else {
            throw lastError(of: context, fallback: data.isEmpty ? "the document is empty" : "the document is not well-formed XML")
        }
        if let subset = document.pointee.intSubset, subset.pointee.entities != nil || subset.pointee.pentities != nil {
            throw XMLParseError(kind: .entityDeclaration, line: 0, message: "the DOCTYPE declares entities")
        }
        var counter = LimitCounter(limits: limits)
        try counter.check(rootNode, depth: 1)
        guard let storage else {
            throw XMLParseError(kind: .malformed, line: 0, message: "the document is not well-formed XML")
        }
        return XMLDocumentTree(
            root: XMLElement(storage: storage, node: rootNode),
            hasDoctype: document.pointee.intSubset != nil,
            schemaViolations: schema?.validate(document: document) ?? []
        )
    }

    static func lastError(of context: xmlParserCtxtPtr, fallback: String) -> XMLParseError {
        guard let error = xmlCtxtGetLastError(context), error.pointee.code != 0 else {
            return XMLParseError(kind: .malformed, line: 0, message: fallback)
        }
        let message = error.pointee.message.map { String(cString: $0).trimmingXMLWhitespace() } ?? fallback
        return XMLParseError(kind: .malformed, line: Int(error.pointee.line), message: message)
    }
}

/// Walks libxml2's tree once, counting elements and depth against the limits.
struct LimitCounter {
    let limits: XMLLimits
    var elementCount = 0

    mutating func check(_ node: xmlNodePtr, depth: Int) throws(XMLParseError) {
        guard depth <= limits.maxDepth else {
            throw XMLParseError(kind: .tooDeep, line: Int(xmlGetLineNo(node)), message: "elements nest deeper than \(limits.maxDepth) levels")
        }
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            throw XMLParseError(kind: .tooManyElements, line: Int(xmlGetLineNo(node)), message: "more than \(limits.maxElements) elements")
        }
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                try check(current, depth: depth + 1)
            }
            child = current.pointee.next
        }
    }
}
