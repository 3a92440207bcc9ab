/// The media type a package file is served with, from its name's extension (lower-cased).
///
/// Packages carry no types of their own, and browsers must not guess (the player sends
/// `X-Content-Type-Options: nosniff`), so this table decides how each file is shown: pages,
/// scripts, styles, images, audio and video, fonts, documents. Anything else is
/// `application/octet-stream`, which a browser downloads rather than runs.
public enum MediaType {
    public static let fallback = "application/octet-stream"

    static let byExtension: [String: String] = [
        "html": "text/html", "htm": "text/html", "xhtml": "application/xhtml+xml", "shtml": "text/html",
        "js": "text/javascript", "mjs": "text/javascript", "css": "text/css", "json": "application/json",
        "xml": "application/xml", "xsd": "application/xml", "xsl": "application/xml", "dtd": "application/xml-dtd",
        "txt": "text/plain", "csv": "text/csv", "vtt": "text/vtt", "srt": "text/plain", "md": "text/markdown",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon", "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff",
        "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm", "ogv": "video/ogg", "mov": "video/quicktime",
        "m3u8": "application/vnd.apple.mpegurl", "ts": "video/mp2t", "mpd": "application/dash+xml",
        "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "wav": "audio/wav", "ogg": "audio/ogg", "oga": "audio/ogg",
        "opus": "audio/opus", "flac": "audio/flac",
        "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf", "eot": "application/vnd.ms-fontobject",
        "pdf": "application/pdf", "swf": "application/x-shockwave-flash", "wasm": "application/wasm",
        "doc": "application/msword", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "ppt": "application/vnd.ms-powerpoint", "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xls": "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip": "application/zip",
    ]

    /// The type of the file at `path` (a package path: forward slashes).
    public static func of(_ path: String) -> String {
        let name = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { path[path.index(after: $0)...] } ?? path[...]
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return fallback }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? fallback
    }

    /// True for types a browser decodes as text (served with a charset only when the file says).
    public static func isText(_ type: String) -> Bool {
        type.hasPrefix("text/") || type == "application/json" || type == "application/xml" || type == "application/xhtml+xml"
            || type == "image/svg+xml"
    }
}
