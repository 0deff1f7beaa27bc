import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import StorefrontApplication
import StorefrontDomain

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

    /// A page: `content` is what the template's blocks show (inside `{{#content}}`), `chrome` what the layout's
    /// header shows around it.
    func page(_ template: String, _ content: some Sendable, chrome: Chrome = .anonymous, status: HTTPResponse.Status = .ok) throws -> HTMLPage {
        guard let html = library.render(PageModel(chrome: chrome, content: content), withTemplate: template) else {
            throw PageError.unknownTemplate(template)
        }
        return HTMLPage(html: html, status: status)
    }
}

struct PageModel<Content> {
    let chrome: Chrome
    let content: Content
}

/// What the layout shows on every page: who is signed in, the form token of the sign-out form, a notice.
struct Chrome {
    static let anonymous = Chrome(session: nil)

    let signedIn: Bool
    /// Port staff and administrators see the operations pages in the header.
    let operates: Bool
    /// Administrators see the catalog's administration too.
    let administers: Bool
    let name: String?
    let formToken: String?
    let notice: String?

    init(session: ShopperSession?, notice: String? = nil) {
        signedIn = session?.account != nil
        operates = session.map(OperateCargo.reportsHandling) ?? false
        administers = session.map(AdministerCatalog.isAdministrator) ?? false
        name = session?.account?.displayName
        formToken = session?.formToken
        self.notice = notice
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
    var cookies: [Cookie] = []

    static let securityHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response(status: status, headers: Self.securityHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    func setting(_ cookie: Cookie?) -> HTMLPage {
        var page = self
        if let cookie { page.cookies.append(cookie) }
        return page
    }
}

/// After a change, the page to show next (303 See Other, so that reloading it changes nothing again).
struct SeeOther: ResponseGenerator {
    let location: String
    var cookies: [Cookie] = []

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in cookies { response.setCookie(cookie) }
        return response
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
