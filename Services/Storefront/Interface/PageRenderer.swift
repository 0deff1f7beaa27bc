import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the storefront's pages from the Mustache templates in `Templates/` (HTML-escaped by default): each page
/// fills the `layout` template's blocks.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// The templates bundled with the storefront.
    public static func bundled() async throws -> PageRenderer {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw PageError.missingTemplates
        }
        return PageRenderer(library: try await MustacheLibrary(directory: folder))
    }

    public init(library: MustacheLibrary) { self.library = library }

    func page(_ template: String, _ content: some Sendable, status: HTTPResponse.Status = .ok) throws -> HTMLPage {
        guard let html = library.render(content, withTemplate: template) else { throw PageError.unknownTemplate(template) }
        return HTMLPage(html: html, status: status)
    }
}

enum PageError: Error, CustomStringConvertible {
    case missingTemplates
    case unknownTemplate(String)

    var description: String {
        switch self {
        case .missingTemplates: "the storefront's templates are not in its resource bundle"
        case .unknownTemplate(let name): "no template '\(name)'"
        }
    }
}

/// An HTML page as an answer, with the headers every page carries: no inline scripts or styles, no framing, no
/// sniffing, and a referrer kept to this site.
struct HTMLPage: ResponseGenerator {
    let html: String
    var status: HTTPResponse.Status = .ok

    static let securityHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: Self.securityHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Files served as they are.
public enum StorefrontAssets {
    public static func stylesheet() throws -> String {
        guard let url = Bundle.module.url(forResource: "site", withExtension: "css", subdirectory: "Public") else {
            throw PageError.missingTemplates
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
