// The one way pages build DOM nodes. User data goes in as text (textContent, or a
// string child) and attribute values (setAttribute), never as HTML; the only HTML
// this module parses is a server-rendered partial (parseHtml), escaped by Django.
//
//   import { el, parseHtml } (from js/lib/dom.js)
//
//   el("span", "muted small", "3 runs")              // className shorthand, one child
//   el("button", {
//     type: "button", className: "btn btn-sm",       // any other key: a DOM property
//     text: run.name,                                // textContent
//     attrs: { role: "option", "aria-label": label },// setAttribute; null/false: left out
//     dataset: { hash: run.hash },                   // data-hash="…"
//     style: { "--tag-color": tag.color },           // style.setProperty
//     on: { click: () => open(run) },                // addEventListener
//   }, [icon, "label"])                              // children: nodes or strings (as text)
//
//   parseHtml(html)   // a DocumentFragment from a server-rendered partial, or HTML
//                     // the server sanitised (nh3: notes, texts read as Markdown)

const HTML_KEYS = new Set(["innerHTML", "outerHTML"]);

function setProp(node, key, value) {
  if (HTML_KEYS.has(key)) throw new Error(`el(): ${key} is not allowed; pass text or children`);
  if (key === "text") node.textContent = value ?? "";
  else if (key === "attrs") {
    for (const [name, attr] of Object.entries(value)) {
      if (attr === null || attr === undefined || attr === false) continue;
      node.setAttribute(name, attr === true ? "" : String(attr));
    }
  } else if (key === "dataset") {
    for (const [name, data] of Object.entries(value)) {
      if (data !== null && data !== undefined) node.dataset[name] = String(data);
    }
  } else if (key === "style") {
    for (const [name, style] of Object.entries(value)) node.style.setProperty(name, style);
  } else if (key === "on") {
    for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
  } else {
    node[key] = value;
  }
}

/** A new element. props: a className string, or an object (see the header);
 *  children: a node, a string, or an array of them (null and false are skipped). */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (typeof props === "string") {
    if (props) node.className = props;
  } else {
    for (const [key, value] of Object.entries(props || {})) setProp(node, key, value);
  }
  const list = Array.isArray(children) ? children : [children];
  // Strings become text nodes: append() never parses HTML.
  node.append(...list.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** The nodes of a server-rendered partial (a Django template, escaped there). */
export function parseHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}
