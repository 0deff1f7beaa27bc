import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore
import StorefrontApplication
import StorefrontDomain
import TradewindKernel
import TradewindRuntime

/// Signing up, in and out, and the cart. Every change is a form post carrying the session's form token; a
/// change that worked answers 303 to the page to see next, one that did not shows its form again with the
/// problem next to the field it is about.
enum ShopperPages {
    static let accessPolicy: [String: AccessRule] = [
        "GET /sign-in": .open, "POST /sign-in": .open, "GET /sign-up": .open, "POST /sign-up": .open, "POST /sign-out": .open,
        "GET /cart": .open, "POST /cart/items": .open, "POST /cart/items/{sku}": .open,
    ]

    struct SignInForm: PostedForm {
        var formToken: String?
        var email: String?
        var password: String?
        var next: String?
    }

    struct SignUpForm: PostedForm {
        var formToken: String?
        var email: String?
        var displayName: String?
        var password: String?
    }

    struct TokenOnlyForm: PostedForm {
        var formToken: String?
    }

    struct AddForm: PostedForm {
        var formToken: String?
        var sku: String?
        var product: String?
        var quantity: String?
    }

    struct ChangeForm: PostedForm {
        var formToken: String?
        var quantity: String?
        var remove: String?
    }

    static func register(_ shop: Shop, on router: Router<ServiceRequestContext>) {
        router.get("/sign-in") { request, _ -> HTMLPage in
            let (session, cookie) = try await shop.sessions.loadOrBegin(request)
            let next = safeNext(request.uri.queryParameters["next"].map(String.init))
            return try await shop.render("sign-in", SignInModel(formToken: session.formToken, next: next), request: request, session: session)
                .setting(cookie)
        }

        router.post("/sign-in") { request, _ -> Either in
            let (form, session) = try await shop.change(SignInForm.self, request)
            let next = safeNext(form.next)
            func again(_ error: String, _ status: HTTPResponse.Status) async throws -> Either {
                .page(try await shop.render("sign-in", SignInModel(formToken: session.formToken, next: next, email: form.email ?? "", error: error),
                                            request: request, session: session, status: status))
            }
            guard let email = form.email?.trimmingCharacters(in: .whitespaces), !email.isEmpty, let password = form.password, !password.isEmpty else {
                return try await again("Enter your email and your password.", .unprocessableContent)
            }
            do {
                let signedIn = try await shop.account.signIn(email: email, password: password, session: session)
                var next = signedIn.session
                next.notice = signedIn.cartNotice ?? "Welcome back, \(next.account?.displayName ?? email)."
                let cookie = try await shop.sessions.renew(next, for: request)
                return .redirect(SeeOther(location: safeNext(form.next), cookies: [cookie]))
            } catch StorefrontError.signInRefused {
                return try await again("The email or the password is not right.", .unauthorized)
            } catch StorefrontError.throttled {
                return try await again("Too many attempts to sign in. Wait a minute, then try again.", .tooManyRequests)
            }
        }

        router.get("/sign-up") { request, _ -> HTMLPage in
            let (session, cookie) = try await shop.sessions.loadOrBegin(request)
            return try await shop.render("sign-up", SignUpModel(formToken: session.formToken), request: request, session: session).setting(cookie)
        }

        router.post("/sign-up") { request, _ -> Either in
            let (form, session) = try await shop.change(SignUpForm.self, request)
            var model = SignUpModel(formToken: session.formToken, email: form.email ?? "", displayName: form.displayName ?? "")
            func again(_ status: HTTPResponse.Status) async throws -> Either {
                .page(try await shop.render("sign-up", model, request: request, session: session, status: status))
            }
            let email = (form.email ?? "").trimmingCharacters(in: .whitespaces)
            let name = (form.displayName ?? "").trimmingCharacters(in: .whitespaces)
            let password = form.password ?? ""
            if email.isEmpty { model.emailError = "Enter your email." }
            if name.isEmpty { model.displayNameError = "Enter the name we should call you." }
            if !(8...72).contains(password.count) { model.passwordError = "The password must be 8 to 72 characters long." }
            if model.emailError != nil || model.displayNameError != nil || model.passwordError != nil { return try await again(.unprocessableContent) }
            do {
                let signedIn = try await shop.account.signUp(email: email, displayName: name, password: password, session: session)
                var next = signedIn.session
                next.notice = signedIn.cartNotice ?? "Welcome, \(name). Your account is ready."
                let cookie = try await shop.sessions.renew(next, for: request)
                return .redirect(SeeOther(location: "/", cookies: [cookie]))
            } catch StorefrontError.refused(let field, let detail) {
                switch field {
                case "email": model.emailError = detail
                case "password": model.passwordError = detail
                case "displayName": model.displayNameError = detail
                default: model.error = detail
                }
                return try await again(detail.contains("exists already") ? .conflict : .unprocessableContent)
            } catch StorefrontError.throttled {
                model.error = "Too many accounts were created from here just now. Wait a minute, then try again."
                return try await again(.tooManyRequests)
            }
        }

        router.post("/sign-out") { request, _ -> SeeOther in
            let (_, session) = try await shop.change(TokenOnlyForm.self, request)
            var signedOut = await shop.account.signOut(session: session)
            signedOut.notice = "You are signed out."
            return SeeOther(location: "/", cookies: [try await shop.sessions.renew(signedOut, for: request)])
        }

        router.get("/cart") { request, _ -> HTMLPage in
            let (loaded, cookie) = try await shop.sessions.loadOrBegin(request)
            let current = try await shop.account.current(loaded)
            let (cart, session) = try await shop.cart.view(current)
            if session != loaded { try await shop.sessions.save(session, for: request) }
            return try await shop.render("cart", CartModel(cart, formToken: session.formToken), request: request, session: session).setting(cookie)
        }

        router.post("/cart/items") { request, _ -> Either in
            let (form, loaded) = try await shop.change(AddForm.self, request)
            let session = try await shop.account.current(loaded)
            guard let sku = form.sku, !sku.isEmpty, sku.utf8.count <= 40 else { throw StorefrontError.refused(field: nil, detail: "Choose a product to add.") }
            guard let quantity = form.quantity.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (1...99).contains(quantity) else {
                return .page(try await shop.productPage(id: form.product ?? "", error: "Choose a quantity from 1 to 99.", request: request, session: session,
                                                        status: .unprocessableContent))
            }
            do {
                var (cart, next) = try await shop.cart.add(sku: sku, quantity: quantity, session: session)
                let name = cart.lines.first { $0.sku == sku }?.name ?? sku
                next.notice = "Added \(quantity) × \(name) to your cart."
                try await shop.sessions.save(next, for: request)
                return .redirect(SeeOther(location: "/cart"))
            } catch StorefrontError.refused(_, let detail) {
                if session != loaded { try await shop.sessions.save(session, for: request) }
                return .page(try await shop.productPage(id: form.product ?? "", error: detail, request: request, session: session,
                                                        status: .unprocessableContent))
            }
        }

        router.post("/cart/items/:sku") { request, context -> Either in
            let (form, loaded) = try await shop.change(ChangeForm.self, request)
            let session = try await shop.account.current(loaded)
            if session != loaded { try await shop.sessions.save(session, for: request) }
            let sku = context.parameters.get("sku") ?? ""
            let quantity = form.remove != nil ? 0 : form.quantity.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let quantity, (0...99).contains(quantity) else {
                let (cart, _) = try await shop.cart.view(session)
                return .page(try await shop.render("cart", CartModel(cart, formToken: session.formToken, error: "Choose a quantity from 1 to 99."),
                                                   request: request, session: session, status: .unprocessableContent))
            }
            do {
                _ = try await shop.cart.change(sku: sku, quantity: quantity, session: session)
                return .redirect(SeeOther(location: "/cart"))
            } catch StorefrontError.refused(_, let detail) {
                let (cart, _) = try await shop.cart.view(session)
                return .page(try await shop.render("cart", CartModel(cart, formToken: session.formToken, error: detail),
                                                   request: request, session: session, status: .unprocessableContent))
            }
        }
    }

    /// Where to go after signing in: a path on this site only (never `//elsewhere` or a full URL).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.utf8.count <= 512,
              !next.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return "/" }
        return next
    }
}

/// A page or a redirect, as a form post answers.
enum Either: ResponseGenerator {
    case page(HTMLPage)
    case redirect(SeeOther)

    func response(from request: Request, context: some RequestContext) throws -> Response {
        switch self {
        case .page(let page): try page.response(from: request, context: context)
        case .redirect(let redirect): try redirect.response(from: request, context: context)
        }
    }
}

struct SignInModel {
    let formToken: String
    let next: String
    var email = ""
    var error: String?
}

struct SignUpModel {
    let formToken: String
    var email = ""
    var displayName = ""
    var error: String?
    var emailError: String?
    var displayNameError: String?
    var passwordError: String?
}

struct CartModel {
    struct Line {
        let sku: String
        let name: String
        let quantity: Int
        let unitPrice: String
        let lineTotal: String
        let priceChanged: Bool
        let available: Bool
    }

    let formToken: String
    let lines: [Line]
    let empty: Bool
    let total: String
    let itemCount: Int
    var error: String?

    init(_ cart: ShopCart, formToken: String, error: String? = nil) {
        self.formToken = formToken
        lines = cart.lines.map {
            Line(sku: $0.sku, name: $0.name, quantity: $0.quantity, unitPrice: $0.unitPrice.description, lineTotal: $0.lineTotal.description,
                 priceChanged: $0.priceChanged, available: $0.available)
        }
        empty = cart.lines.isEmpty
        total = cart.total?.description ?? ""
        itemCount = cart.itemCount
        self.error = error
    }
}
