#!/usr/bin/env python3
"""The storefront in a real browser: Debian's chromium, headless, driven through Selenium with Debian's
chromium-driver. A guest opens the catalog, narrows it to a category, searches, sorts, and opens a product's page
with its stock; puts it in the cart, creates an account and finds the cart theirs, signs out and in again, checks
out, sees the order shipped and opens its tracking page. Then a port worker (an account the administrator, ADMIN_EMAIL
and ADMIN_PASSWORD, gives the operator role) reports the shipment received, loaded, and unloaded at a port its route
does not plan, sees it misdirected, uploads a CSV batch file and sees its bad line; the administrator reroutes the
shipment, chooses a new route and sees it on track again; then adds a product, stocks it, changes its price, sees
shoppers find it, and takes it off the catalog. A screenshot of each main page is saved under the folder given (a CI
artifact).

Usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… browser-check.py GATEWAY_URL [--screenshots DIR]
Needs: apt-get install chromium chromium-driver; pip install 'selenium>=4.20,<5'.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("gateway")
parser.add_argument("--screenshots", default="ci-artifacts/screenshots")
parser.add_argument("--chromium", default="/usr/bin/chromium")
parser.add_argument("--driver", default="/usr/bin/chromedriver")
args = parser.parse_args()
base = args.gateway.rstrip("/")
admin_email, admin_password = os.environ.get("ADMIN_EMAIL"), os.environ.get("ADMIN_PASSWORD")
if not admin_email or not admin_password:
    sys.exit("set ADMIN_EMAIL and ADMIN_PASSWORD: the operations flow needs an administrator")
os.makedirs(args.screenshots, exist_ok=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    # Root in a container: no user namespaces for the sandbox; a small /dev/shm; no GPU.
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900", "--lang=en-US"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=args.driver), options=options)


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"  ok: {message}")


def shot(driver, name):
    path = os.path.join(args.screenshots, f"{name}.png")
    driver.save_screenshot(path)
    print(f"  screenshot: {path}")


def api(method, path, body=None, form=None, token=None):
    """A call to the JSON API through the gateway; the answer's JSON, or the check fails with the problem."""
    data, headers = None, {}
    if body is not None:
        data, headers["content-type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data, headers["content-type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read()[:300]!r}")


class PageWait(WebDriverWait):
    """Treats Chrome's "node does not belong to the document" as "not yet", as Selenium already treats a stale
    element: both mean an element was read while a form's answer replaced the page."""

    def until(self, method, message=""):
        def settled(driver):
            try:
                return method(driver)
            except WebDriverException as error:
                if "does not belong to the document" in (error.msg or ""):
                    return False
                raise

        return super().until(settled, message)


driver = browser()
wait = PageWait(driver, 15)


def sign_in(email, password, next_path):
    driver.get(f"{base}/sign-in?next={next_path}")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "section.account-form button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "span.who")))


def sign_out():
    driver.find_element(By.CSS_SELECTOR, "nav.account form button").click()
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "Sign in")))


try:
    print("a guest browses the catalog")
    driver.get(f"{base}/")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.products li.product-card")))
    check(driver.find_element(By.TAG_NAME, "h1").text == "All products", "the catalog opens on all products")
    cards = driver.find_elements(By.CSS_SELECTOR, "ul.products li.product-card")
    check(len(cards) > 0, f"{len(cards)} products are shown")
    check(driver.find_element(By.CSS_SELECTOR, "label[for=q]") is not None, "the search field has a label")
    shot(driver, "01-catalog")

    categories = driver.find_elements(By.CSS_SELECTOR, "nav.categories a")
    check(len(categories) > 1, "categories are listed")
    chosen = categories[1].text
    categories[1].click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), chosen))
    current = driver.find_element(By.CSS_SELECTOR, "nav.categories a[aria-current=page]").text
    check(current == chosen, f"the category '{chosen}' is chosen and marked as the current page")

    Select(driver.find_element(By.ID, "sort")).select_by_value("-price")
    driver.find_element(By.CSS_SELECTOR, "form.sort button").click()
    wait.until(EC.url_contains("sort=-price"))
    prices = [card.find_element(By.CSS_SELECTOR, ".price").text for card in driver.find_elements(By.CSS_SELECTOR, "li.product-card")]
    amounts = [float(text.split()[0].replace(",", "")) for text in prices if text.split()]
    check(amounts == sorted(amounts, reverse=True), f"sorted by price, highest first: {prices}")

    search = driver.find_element(By.ID, "q")
    search.clear()
    search.send_keys("zzzz-nothing-matches")
    search.submit()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.empty")))
    check("No products match" in driver.find_element(By.CSS_SELECTOR, "p.empty").text, "a search without results says so")

    driver.get(f"{base}/")
    first = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "li.product-card a")))
    name = first.text
    first.click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "article.product")))
    check(driver.find_element(By.TAG_NAME, "h1").text == name, f"the product page of '{name}' opens")
    stock = driver.find_element(By.CSS_SELECTOR, ".stock").text
    check(any(word in stock for word in ("In stock", "left", "Out of stock", "Stock unknown")), f"it shows its stock: {stock}")
    shot(driver, "02-product")

    driver.get(f"{base}/products/00000000-0000-4000-8000-000000000000")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.problem")))
    check("does not sell" in driver.find_element(By.CSS_SELECTOR, "section.problem").text, "an unknown product is a page that says so")

    print("a guest fills a cart, then creates an account and keeps it")
    driver.get(f"{base}/?sort=name")
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "li.product-card a")]
    for link in links:
        driver.get(link)
        if driver.find_elements(By.CSS_SELECTOR, "form.add"):
            break
    else:
        raise AssertionError("no product on the first page can be put in the cart")
    product = driver.find_element(By.TAG_NAME, "h1").text
    quantity = driver.find_element(By.ID, "quantity")
    quantity.clear()
    quantity.send_keys("2")
    driver.find_element(By.CSS_SELECTOR, "form.add button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.cart")))
    check(f"Added 2 × {product}" in driver.find_element(By.CSS_SELECTOR, ".notice").text, "adding says so on the cart page")
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.line")
    check(len(rows) == 1 and product in rows[0].text, f"the cart holds {product}")
    shot(driver, "03-cart")

    driver.find_element(By.LINK_TEXT, "Create an account").click()
    wait.until(EC.presence_of_element_located((By.ID, "displayName")))
    email = f"browser-{int(time.time() * 1000)}@example.com"
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "displayName").send_keys("Browser Shopper")
    driver.find_element(By.ID, "password").send_keys("short")
    driver.find_element(By.CSS_SELECTOR, "section.account-form button").click()
    # The browser itself refuses a password under 8 characters (minlength); the page says so on the server too.
    check("sign-up" in driver.current_url, "a too short password does not create the account")
    driver.find_element(By.ID, "password").clear()
    driver.find_element(By.ID, "password").send_keys("correct horse battery")
    shot(driver, "04-sign-up")
    driver.find_element(By.CSS_SELECTOR, "section.account-form button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "span.who")))
    check("Browser Shopper" in driver.find_element(By.CSS_SELECTOR, "span.who").text, "the new customer is signed in")
    driver.find_element(By.LINK_TEXT, "Cart").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.cart")))
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.line")
    check(len(rows) == 1 and product in rows[0].text, "the guest's cart became the customer's")

    driver.find_element(By.CSS_SELECTOR, "nav.account form button").click()
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "Sign in")))
    driver.get(f"{base}/cart")
    check(not driver.find_elements(By.CSS_SELECTOR, "tr.line"), "signed out, the cart is not shown")
    driver.find_element(By.LINK_TEXT, "Sign in").click()
    wait.until(EC.presence_of_element_located((By.ID, "password")))
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("not the password")
    driver.find_element(By.CSS_SELECTOR, "section.account-form button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".form-error")))
    check("not right" in driver.find_element(By.CSS_SELECTOR, ".form-error").text, "a wrong password is said next to the form")
    driver.find_element(By.ID, "password").send_keys("correct horse battery")
    driver.find_element(By.CSS_SELECTOR, "section.account-form button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "span.who")))
    driver.get(f"{base}/cart")
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.line")
    check(len(rows) == 1 and product in rows[0].text, "signed in again, the cart is there")

    print("the customer checks out and follows the order to its shipment")
    driver.find_element(By.LINK_TEXT, "Go to checkout").click()
    wait.until(EC.presence_of_element_located((By.ID, "street")))
    driver.find_element(By.ID, "street").send_keys("Storgatan 1")
    driver.find_element(By.ID, "postalCode").send_keys("111 22")
    driver.find_element(By.ID, "city").send_keys("Stockholm")
    driver.find_element(By.ID, "country").send_keys("S")
    ports = Select(driver.find_element(By.ID, "destination"))
    check(len(ports.options) > 2, f"{len(ports.options) - 1} ports to ship to")
    ports.select_by_index(1)
    driver.find_element(By.CSS_SELECTOR, "form.address button").click()
    wait.until(EC.presence_of_element_located((By.ID, "country-error")))
    check("two letters" in driver.find_element(By.ID, "country-error").text, "a one-letter country is refused next to its field")
    driver.find_element(By.ID, "country").clear()
    driver.find_element(By.ID, "country").send_keys("SE")
    shot(driver, "05-checkout")
    driver.find_element(By.CSS_SELECTOR, "form.address button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "article.order")))
    check("Thank you" in driver.find_element(By.CSS_SELECTOR, ".notice").text, "the order is placed")
    order_url = driver.current_url
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = driver.find_element(By.CSS_SELECTOR, ".order-status strong").text
        if status in ("Shipped", "In transit", "Delivered", "Could not be completed", "Cancelled"):
            break
        time.sleep(1)
        driver.get(order_url)
    check(status == "Shipped", f"the order page follows the order to: {status}")
    shot(driver, "06-order")
    driver.find_element(By.CSS_SELECTOR, "p.tracking a").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "article.tracking-page")))
    check("Shipment" in driver.find_element(By.TAG_NAME, "h1").text, "the tracking link opens the shipment's tracking page")
    check(driver.find_element(By.CSS_SELECTOR, ".order-status strong").text != "", "the tracking page shows the shipment's status")
    shot(driver, "07-tracking")
    driver.find_element(By.LINK_TEXT, "Orders").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.order-list li")))
    check(any(order_url.endswith(a.get_attribute("href").split("8080")[-1]) or a.get_attribute("href") == order_url
              for a in driver.find_elements(By.CSS_SELECTOR, "ul.order-list a")), "the order is in the customer's list")
    driver.get(order_url)
    tracking_id = driver.find_element(By.CSS_SELECTOR, "p.tracking a").get_attribute("href").rsplit("/", 1)[-1]

    print(f"port staff misdirect shipment {tracking_id}; an administrator reroutes it and puts it back on track")
    sign_out()
    # A port worker: an account of their own, given the operator role by the administrator (through the API, as
    # the user context offers it); operators report handling and nothing else.
    porter_email, porter_password = f"porter-{int(time.time() * 1000)}@example.com", "port staff password 1"
    api("POST", "/api/users", {"email": porter_email, "password": porter_password, "displayName": "Pat Porter"})
    admin_token = api("POST", "/api/oauth/token", form={"grant_type": "password", "username": admin_email, "password": admin_password})["access_token"]
    porter = api("POST", "/api/oauth/token", form={"grant_type": "password", "username": porter_email, "password": porter_password})
    porter_id = api("GET", "/api/users/me", token=porter["access_token"])["id"]
    api("PUT", f"/api/users/{porter_id}/roles", {"roles": ["operator"]}, token=admin_token)

    sign_in(admin_email, admin_password, "/ops")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.cargos")))
    check(driver.find_elements(By.LINK_TEXT, tracking_id), "the administrator finds the shipment in the cargo list")
    driver.find_element(By.LINK_TEXT, tracking_id).click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ol.route li")))
    first_leg = driver.find_element(By.CSS_SELECTOR, "ol.route li")
    voyage, origin = first_leg.get_attribute("data-voyage"), first_leg.get_attribute("data-from")
    planned = {li.get_attribute("data-to") for li in driver.find_elements(By.CSS_SELECTOR, "ol.route li")} | {origin}
    # Unloaded off the same voyage at one of its stops that the route does not plan: a port voyages leave from,
    # so that a new route exists (the public voyage list says which).
    with urllib.request.urlopen(f"{base}/api/voyages", timeout=10) as answer:
        stops = {v["number"]: v["stops"] for v in json.load(answer)["items"]}
    wrong = next(port for port in stops[voyage] if port not in planned)
    sign_out()

    sign_in(porter_email, porter_password, "/ops")
    wait.until(EC.presence_of_element_located((By.ID, "trackingId")))
    check(driver.current_url.endswith("/ops/handling"), "port staff land on the handling page")
    check(not driver.find_elements(By.LINK_TEXT, "Products"), "port staff are not offered the catalog's administration")
    driver.get(f"{base}/ops/cargos")
    check("Only administrators book and route cargo" in driver.find_element(By.CSS_SELECTOR, "section.problem").text,
          "port staff may not route cargo, and the page says who may")

    def report(event, location, voyage_number, minutes_ago):
        driver.get(f"{base}/ops/handling")
        driver.find_element(By.ID, "trackingId").send_keys(tracking_id)
        Select(driver.find_element(By.ID, "eventType")).select_by_value(event)
        Select(driver.find_element(By.ID, "location")).select_by_value(location)
        if voyage_number:
            Select(driver.find_element(By.ID, "voyage")).select_by_value(voyage_number)
        when = (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")
        field = driver.find_element(By.ID, "completedAt")
        driver.execute_script("arguments[0].value = arguments[1]", field, when)
        driver.find_element(By.CSS_SELECTOR, "form.ops-form button").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.reported, .form-error")))
        check(driver.find_elements(By.CSS_SELECTOR, "section.reported"), f"{event} in {location} is reported")
        return driver.find_element(By.CSS_SELECTOR, "section.reported").text

    report("RECEIVE", origin, None, 3)
    report("LOAD", origin, voyage, 2)
    unloaded = report("UNLOAD", wrong, voyage, 1)
    check("Misdirected" in unloaded, f"unloading in {wrong}, which the route does not plan, is misdirected")
    shot(driver, "08-misdirected")

    print("port staff upload a CSV batch as a file and see its problem line by line")
    batch_file = os.path.join(os.path.abspath(args.screenshots), "handling-batch.csv")
    stamp_utc = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(batch_file, "w") as csv_file:
        csv_file.write("completionTime,trackingId,eventType,location,voyage\n")
        csv_file.write(f"{stamp_utc},{tracking_id},UNLOAD,ZZZZZ,{voyage}\n")
    driver.get(f"{base}/ops/handling")
    driver.find_element(By.ID, "file").send_keys(batch_file)
    driver.find_element(By.CSS_SELECTOR, "form.batch button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.line-problems")))
    problems = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "table.line-problems tbody tr")]
    check(len(problems) == 1 and problems[0].startswith("2 ") and "ZZZZZ" in problems[0],
          f"the file's line 2 is refused, and says why: {problems}")
    check("Nothing of the batch was reported" in driver.find_element(By.CSS_SELECTOR, "div.form-error").text, "and nothing of the batch is reported")
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.CSS_SELECTOR, "table.line-problems"))
    shot(driver, "09-batch-problems")
    os.remove(batch_file)
    sign_out()

    sign_in(admin_email, admin_password, f"/ops/cargos/{tracking_id}")
    reroute = wait.until(EC.element_to_be_clickable((By.XPATH, "//button[starts-with(., 'Reroute from')]")))
    reroute.click()
    choose = wait.until(EC.element_to_be_clickable((By.XPATH, "//button[starts-with(., 'Choose route')]")))
    check(wrong in driver.find_element(By.CSS_SELECTOR, "section.candidate").text, f"the candidate routes leave from {wrong}")
    shot(driver, "10-candidate-routes")
    choose.click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "The route is assigned."))
    check(driver.find_element(By.CSS_SELECTOR, "dd.routing").text == "routed", "the cargo is routed again")
    check(not driver.find_elements(By.CSS_SELECTOR, "p.misdirected"), "and no longer misdirected: on track again")
    shot(driver, "11-back-on-track")

    print("the administrator adds a product, stocks it, changes its price and takes it off the catalog")
    driver.find_element(By.LINK_TEXT, "Products").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.admin-products")))
    driver.find_element(By.LINK_TEXT, "Add a product").click()
    wait.until(EC.presence_of_element_located((By.ID, "sku")))
    stamp = int(time.time())
    lantern = f"Storm lantern {stamp}"
    driver.find_element(By.ID, "sku").send_keys(f"lantern-{stamp}")
    driver.find_element(By.ID, "name").send_keys(lantern)
    driver.find_element(By.ID, "description").send_keys("A lantern that stays lit on deck.")
    driver.find_element(By.ID, "price").send_keys("19.999")
    Select(driver.find_element(By.ID, "categoryId")).select_by_index(1)
    driver.find_element(By.CSS_SELECTOR, "form.product-form button").click()
    wait.until(EC.presence_of_element_located((By.ID, "price-error")))
    check("at most 2 decimals" in driver.find_element(By.ID, "price-error").text, "a price with three decimals is refused next to its field")
    driver.find_element(By.ID, "price").clear()
    driver.find_element(By.ID, "price").send_keys("19.9")
    driver.find_element(By.CSS_SELECTOR, "form.product-form button").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "is in the catalog"))
    check(driver.find_element(By.ID, "price").get_attribute("value") == "19.90", "the product is added at 19.90")
    driver.find_element(By.ID, "onHand").clear()
    driver.find_element(By.ID, "onHand").send_keys("7")
    driver.find_element(By.XPATH, "//button[.='Set the stock']").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "7 on hand"))
    check(driver.find_element(By.CSS_SELECTOR, "dd.available").text == "7", "7 units are available")
    driver.find_element(By.ID, "price").clear()
    driver.find_element(By.ID, "price").send_keys("24")
    driver.find_element(By.CSS_SELECTOR, "form.product-form button").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "The product is saved."))
    shot(driver, "12-admin-product")
    admin_page = driver.current_url

    def shop_finds(words):
        driver.get(f"{base}/?q={urllib.parse.quote(words)}")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.products li.product-card, p.empty")))
        return [card.text for card in driver.find_elements(By.CSS_SELECTOR, "li.product-card")]

    found = shop_finds(lantern)
    check(len(found) == 1 and "24.00 EUR" in found[0], f"shoppers find it at its new price: {found}")
    driver.get(admin_page)
    driver.find_element(By.XPATH, "//button[.='Take off the catalog']").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "off the catalog"))
    check(shop_finds(lantern) == [], "taken off the catalog, shoppers no longer find it")
    driver.get(f"{base}/admin/products?q={urllib.parse.quote(lantern)}")
    row = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.products-admin tr.unlisted")))
    check(lantern in row.text, "the administrator still sees it, marked as not in the catalog")
    driver.get(f"{base}/admin/products")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.products-admin")))
    shot(driver, "13-admin-products")
    print("browser check passed")
except Exception:
    shot(driver, "failure")
    raise
finally:
    driver.quit()
