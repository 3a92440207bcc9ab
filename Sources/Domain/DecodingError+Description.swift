/// What a decoding error means, as a path and a reason: `missing 'a.b'`, `at 'a.0': expected a string`.
extension DecodingError {
    public var readableDescription: String {
        switch self {
        case .keyNotFound(let key, let context):
            "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "at '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        @unknown default:
            "\(self)"
        }
    }
}
