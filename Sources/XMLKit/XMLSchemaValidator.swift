import CLibXML2
import Foundation

/// One problem found by XSD validation.
public struct XMLSchemaViolation: Sendable, Equatable {
    public var line: Int
    public var message: String
}

/// Why a schema could not be compiled (a programming error in the platform, not user input).
public struct XMLSchemaCompileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "XSD could not be compiled: \(message)" }
}

/// A compiled XSD, reusable across threads: libxml2 schemas are read-only after parsing,
/// and each validation gets its own validation context.
public final class XMLSchemaValidator: @unchecked Sendable {
    private let schema: xmlSchemaPtr

    /// Compiles an XSD held in memory. Imports and includes never reach the network.
    public init(xsd: String) throws(XMLSchemaCompileError) {
        _ = SafeXMLParser.setUp
        let bytes = Array(xsd.utf8)
        let compiled: xmlSchemaPtr? = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                guard let parserContext = xmlSchemaNewMemParserCtxt(pointer, Int32(buffer.count)) else { return nil }
                defer { xmlSchemaFreeParserCtxt(parserContext) }
                xmlSchemaSetParserStructuredErrors(parserContext, { _, _ in }, nil)
                return xmlSchemaParse(parserContext)
            }
        }
        guard let compiled else {
            throw XMLSchemaCompileError(message: "libxml2 rejected the schema")
        }
        schema = compiled
    }

    deinit {
        xmlSchemaFree(schema)
    }

    /// Validates a parsed libxml2 document; `SafeXMLParser.parse(_:url:limits:schema:)` calls this.
    func validate(document: xmlDocPtr) -> [XMLSchemaViolation] {
        guard let validation = xmlSchemaNewValidCtxt(schema) else {
            return [XMLSchemaViolation(line: 0, message: "libxml2 could not allocate a validator")]
        }
        defer { xmlSchemaFreeValidCtxt(validation) }
        let collector = ViolationCollector()
        let unmanaged = Unmanaged.passRetained(collector)
        defer { unmanaged.release() }
        xmlSchemaSetValidStructuredErrors(validation, { userData, error in
            guard let userData, let error else { return }
            let collector = Unmanaged<ViolationCollector>.fromOpaque(userData).takeUnretainedValue()
            let message = error.pointee.message.map { String(cString: $0) } ?? "schema violation"
            collector.violations.append(XMLSchemaViolation(
                line: Int(error.pointee.line),
                message: message.trimmingXMLWhitespace()
            ))
        }, unmanaged.toOpaque())
        let status = xmlSchemaValidateDoc(validation, document)
        if status != 0 && collector.violations.isEmpty {
            return [XMLSchemaViolation(line: 0, message: "the document does not conform to the schema")]
        }
        return collector.violations
    }
}

/// Collects violations from libxml2's callback; used by one validation on one thread.
private final class ViolationCollector {
    var violations: [XMLSchemaViolation] = []
}
