import Foundation

/// Ids of societies, committee members and engineers: 1-64 ASCII letters, digits, '.', '_' or '-'.
package func isValidID(_ id: String) -> Bool {
    !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
}
