"""Browser test for js/lib/dom.js, the one DOM builder every page uses."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_el_puts_user_data_in_as_text_and_refuses_html(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    hostile = '<img src="x" onerror="window.__pwned = 1">'
    built = page.evaluate(
        """async (hostile) => {
          const { el } = await import("/static/js/lib/dom.js");
          const node = el("div", {
            className: "card", text: hostile, title: hostile,
            attrs: { "aria-label": hostile, hidden: false, "data-empty": true },
            dataset: { runName: hostile, missing: null },
            style: { "--tag-color": "red" },
          }, [hostile, el("span", "", hostile), null, false, 0]);
          document.body.append(node);
          let refused = "";
          try { el("div", { innerHTML: hostile }); } catch (error) { refused = error.message; }
          return {
            images: node.querySelectorAll("img").length,
            text: node.textContent,
            label: node.getAttribute("aria-label"),
            hasHidden: node.hasAttribute("hidden"),
            empty: node.getAttribute("data-empty"),
            runName: node.dataset.runName,
            hasMissing: "missing" in node.dataset,
            spanClass: node.querySelector("span").hasAttribute("class"),
            color: node.style.getPropertyValue("--tag-color"),
            refused,
          };
        }""",
        hostile,
    )
    assert built == {
        "images": 0,
        "text": hostile * 3 + "0",
        "label": hostile,
        "hasHidden": False,
        "empty": "",
        "runName": hostile,
        "hasMissing": False,
        "spanClass": False,
        "color": "red",
        "refused": "el(): innerHTML is not allowed; pass text or children",
    }
    assert page.evaluate("window.__pwned") is None
