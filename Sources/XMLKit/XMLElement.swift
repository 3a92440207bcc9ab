import CLibXML2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns a libxml2 document; freed when the last element that points into it is gone.
final class XMLDocumentStorage: @unchecked Sendable {
    // Unchecked: the document is never modified after parsing, and libxml2 allows concurrent
    // reads of a finished tree.
    let document: xmlDocPtr

    init(_ document: xmlDocPtr) {
        self.document = document
    }

    deinit {
        xmlFreeDoc(document)
    }
}

/// One element of a parsed document, read in place from libxml2's tree.
///
/// Names are local names; `namespace` is the namespace URI the element is bound to (nil when
/// unqualified). `text` is the concatenation of the element's own text and CDATA children, not
/// of its descendants. An element keeps its document alive, so it may outlive the parse; values
/// are turned into Swift strings only when asked for, which keeps the importer close to the
/// cost of libxml2's own parse.
public struct XMLElement: @unchecked Sendable {
    // Unchecked: see XMLDocumentStorage; the node pointer is only ever read.
    let storage: XMLDocumentStorage
    let node: xmlNodePtr

    init(storage: XMLDocumentStorage, node: xmlNodePtr) {
        self.storage = storage
        self.node = node
    }

    public var name: String { node.pointee.name.map { String(cString: $0) } ?? "" }

    public var namespace: String? { node.pointee.ns?.pointee.href.map { String(cString: $0) } }

    /// 1-based source line of the start tag.
    public var line: Int { Int(xmlGetLineNo(node)) }

    public var attributes: [XMLAttribute] {
        var result: [XMLAttribute] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            result.append(XMLAttribute(
                name: current.pointee.name.map { String(cString: $0) } ?? "",
                namespace: current.pointee.ns?.pointee.href.map { String(cString: $0) },
                value: Self.text(of: current.pointee.children)
            ))
            attribute = current.pointee.next
        }
        return result
    }

    /// Child elements in document order.
    public var children: [XMLElement] {
        var result: [XMLElement] = []
        forEachChild { result.append($0) }
        return result
    }

    public var text: String {
        var value = ""
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
               let content = current.pointee.content {
                value += String(cString: content)
            }
            child = current.pointee.next
        }
        return value
    }

    /// Namespace declarations written on this element, prefix ("" for the default) to URI.
    public var namespaceDeclarations: [String: String] {
        var result: [String: String] = [:]
        var declaration = node.pointee.nsDef
        while let ns = declaration {
            result[ns.pointee.prefix.map { String(cString: $0) } ?? ""] = ns.pointee.href.map { String(cString: $0) } ?? ""
            declaration = ns.pointee.next
        }
        return result
    }

    func forEachChild(_ body: (XMLElement) throws -> Void) rethrows {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                try body(XMLElement(storage: storage, node: current))
            }
            child = current.pointee.next
        }
    }

    static func text(of first: xmlNodePtr?) -> String {
        // Nearly always one text node: no concatenation.
        if let first, first.pointee.next == nil {
            return first.pointee.content.map { String(cString: $0) } ?? ""
        }
        var value = ""
        var node = first
        while let current = node {
            if let content = current.pointee.content {
                value += String(cString: content)
            }
            node = current.pointee.next
        }
        return value
    }

    /// Compares a libxml2 string with a Swift one without allocating; ASCII case folding on request.
    static func equals(_ pointer: UnsafePointer<xmlChar>?, _ string: String, ignoringCase: Bool = false) -> Bool {
        guard let pointer else { return false }
        var string = string
        return string.withUTF8 { bytes in
            pointer.withMemoryRebound(to: CChar.self, capacity: bytes.count + 1) { cString in
                bytes.withMemoryRebound(to: CChar.self) { wanted in
                    guard let base = wanted.baseAddress else { return cString.pointee == 0 }
                    let compared = ignoringCase ? strncasecmp(cString, base, bytes.count) : strncmp(cString, base, bytes.count)
                    return compared == 0 && cString[bytes.count] == 0
                }
            }
        }
    }
}

extension XMLElement: Equatable {
    /// Two elements are equal when they are the same node of the same document.
    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.node == rhs.node
    }
}

/// One attribute; `namespace` is nil for an unprefixed attribute.
public struct XMLAttribute: Sendable, Equatable {
    public var name: String
    public var namespace: String?
    public var value: String

    public init(name: String, namespace: String? = nil, value: String) {
        self.name = name
        self.namespace = namespace
        self.value = value
    }
}

/// The namespace of `xml:` attributes such as `xml:base` and `xml:lang`.
public let xmlNamespaceURI = "http://www.w3.org/XML/1998/namespace"

extension XMLElement {
    /// Children with the given local name, in document order, whatever their namespace.
    public func children(named localName: String) -> [XMLElement] {
        var result: [XMLElement] = []
        forEachChild { child in
            if Self.equals(child.node.pointee.name, localName) { result.append(child) }
        }
        return result
    }

    /// The first child with the given local name, whatever its namespace.
    public func child(named localName: String) -> XMLElement? {
        firstChild { Self.equals($0.pointee.name, localName) }
    }

    /// The first child with the given local name, compared without regard to ASCII case.
    public func child(namedIgnoringCase localName: String) -> XMLElement? {
        firstChild { Self.equals($0.pointee.name, localName, ignoringCase: true) }
    }

    private func firstChild(where matches: (xmlNodePtr) -> Bool) -> XMLElement? {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, matches(current) {
                return XMLElement(storage: storage, node: current)
            }
            child = current.pointee.next
        }
        return nil
    }

    /// True when the element's local name is `localName`.
    public func isNamed(_ localName: String, ignoringCase: Bool = false) -> Bool {
        Self.equals(node.pointee.name, localName, ignoringCase: ignoringCase)
    }

    /// Follows a path of local names from this element: `element.descendant("general", "title")`.
    public func descendant(_ path: String...) -> XMLElement? {
        var current: XMLElement? = self
        for step in path {
            current = current?.child(named: step)
        }
        return current
    }

    /// The text with surrounding white space removed; nil when empty.
    public var trimmedText: String? {
        let value = text.trimmingXMLWhitespace()
        return value.isEmpty ? nil : value
    }

    /// An attribute by exact local name, in any namespace, or in `namespace` when given.
    public func attribute(_ localName: String, namespace: String? = nil) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if Self.equals(current.pointee.name, localName),
               namespace == nil || Self.equals(current.pointee.ns?.pointee.href, namespace ?? "") {
                return Self.text(of: current.pointee.children)
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// An attribute looked up by local name without regard to case or namespace,
    /// for manifests that write `scormType` where `scormtype` is meant or bind a prefix to the
    /// wrong namespace. The match tells what was actually written so callers can warn.
    public func attributeMatch(_ localName: String) -> XMLAttribute? {
        var caseless: xmlAttrPtr?
        var attribute = node.pointee.properties
        while let current = attribute {
            if Self.equals(current.pointee.name, localName) {
                caseless = current
                break
            }
            if caseless == nil, Self.equals(current.pointee.name, localName, ignoringCase: true) {
                caseless = current
            }
            attribute = current.pointee.next
        }
        guard let match = caseless else { return nil }
        return XMLAttribute(
            name: match.pointee.name.map { String(cString: $0) } ?? "",
            namespace: match.pointee.ns?.pointee.href.map { String(cString: $0) },
            value: Self.text(of: match.pointee.children)
        )
    }

    /// `xml:base` of this element, if written.
    public var xmlBase: String? {
        attribute("base", namespace: xmlNamespaceURI)
    }

    /// `xml:lang` of this element, if written.
    public var xmlLang: String? {
        attribute("lang", namespace: xmlNamespaceURI)
    }

    /// Every element of the subtree, depth first, this one included.
    public func forEachDescendant(_ body: (XMLElement) throws -> Void) rethrows {
        try body(self)
        try forEachChild { try $0.forEachDescendant(body) }
    }
}

extension StringProtocol {
    /// Removes white space (XML's space, tab, CR, LF, and Unicode spaces such as U+00A0 and the
    /// ideographic U+3000 that Chinese manifests contain) from both ends.
    public func trimmingXMLWhitespace() -> String {
        let text = String(self)
        // Fast path: nothing to trim when both ends are visible ASCII.
        if let first = text.utf8.first, let last = text.utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return text
        }
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
