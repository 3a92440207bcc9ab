/// One element of a parsed document: a plain value, detached from libxml2.
///
/// Names are local names; `namespace` is the namespace URI the element is bound to
/// (nil when unqualified). `text` is the concatenation of the element's own text and
/// CDATA children, not of its descendants.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var namespace: String?
    public var attributes: [XMLAttribute]
    public var children: [XMLElement]
    public var text: String
    /// 1-based source line of the start tag.
    public var line: Int
    /// Namespace declarations written on this element, prefix ("" for the default) to URI.
    public var namespaceDeclarations: [String: String]

    public init(
        name: String,
        namespace: String? = nil,
        attributes: [XMLAttribute] = [],
        children: [XMLElement] = [],
        text: String = "",
        line: Int = 0,
        namespaceDeclarations: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
        self.text = text
        self.line = line
        self.namespaceDeclarations = namespaceDeclarations
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
        children.filter { $0.name == localName }
    }

    /// The first child with the given local name, whatever its namespace.
    public func child(named localName: String) -> XMLElement? {
        children.first { $0.name == localName }
    }

    /// The first child with the given local name, compared without regard to case.
    public func child(namedIgnoringCase localName: String) -> XMLElement? {
        let wanted = localName.lowercased()
        return children.first { $0.name.lowercased() == wanted }
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

    /// An attribute by exact local name, in no namespace or in `namespace` when given.
    public func attribute(_ localName: String, namespace: String? = nil) -> String? {
        attributes.first { $0.name == localName && (namespace == nil || $0.namespace == namespace) }?.value
    }

    /// An attribute looked up by local name without regard to case or namespace,
    /// for manifests that write `scormType` where `scormtype` is meant or bind a prefix to the
    /// wrong namespace. The match tells what was actually written so callers can warn.
    public func attributeMatch(_ localName: String) -> XMLAttribute? {
        if let exact = attributes.first(where: { $0.name == localName }) {
            return exact
        }
        let wanted = localName.lowercased()
        return attributes.first { $0.name.lowercased() == wanted }
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
        for child in children {
            try child.forEachDescendant(body)
        }
    }
}

extension StringProtocol {
    /// Removes white space (XML's space, tab, CR, LF, and Unicode spaces such as U+00A0 and the
    /// ideographic U+3000 that Chinese manifests contain) from both ends.
    public func trimmingXMLWhitespace() -> String {
        let scalars = String(self).unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
