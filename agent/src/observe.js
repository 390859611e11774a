// The compact observation of the page (ADR 45): its readable text, block by block, with
// every visible interactive element replaced by `[N] label` and tagged
// `data-jetcrawl-el="N"`, so a step can address it as `[data-jetcrawl-el="N"]`. Numbers
// from an earlier observation are removed first. Once the page is scrolled down, what lies
// wholly above the viewport is left out, so scrolling shows what a cut observation did
// not. Returns a JSON text: `{"url", "title", "text"}`.
(() => {
  const ATTR = 'data-jetcrawl-el';
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'svg', 'SVG', 'HEAD', 'IFRAME', 'CANVAS']);
  const BLOCK = /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|BR|DD|DIV|DL|DT|FIELDSET|FIGCAPTION|FIGURE|FOOTER|FORM|H[1-6]|HEADER|HR|LI|MAIN|NAV|OL|P|PRE|SECTION|TABLE|TR|UL)$/;
  const INTERACTIVE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [role=link], [role=checkbox], [role=tab], [onclick]';
  for (const el of document.querySelectorAll(`[${ATTR}]`)) el.removeAttribute(ATTR);
  const clean = (text) => (text || '').replace(/\s+/g, ' ').trim();
  const hidden = (el) => {
    const style = getComputedStyle(el);
    return style.display === 'none' || style.visibility === 'hidden';
  };
  const describe = (el) => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'input' || tag === 'textarea') {
      const type = tag === 'textarea' ? 'text' : (el.type || 'text');
      const hint = clean(el.getAttribute('aria-label') || el.placeholder || el.name || el.id);
      let value = clean(el.value);
      if (type === 'checkbox' || type === 'radio') value = el.checked ? 'checked' : 'not checked';
      if (type === 'password' && value) value = '********';
      return `${type} field${hint ? ` "${hint}"` : ''}${value ? ` = "${value}"` : ''}`;
    }
    if (tag === 'select') {
      const chosen = el.selectedOptions[0];
      return `select${chosen ? ` = "${clean(chosen.textContent)}"` : ''}`;
    }
    const image = el.querySelector('img');
    return clean(el.innerText) || clean(el.getAttribute('aria-label')) || clean(el.title)
      || clean(image && image.alt) || tag;
  };
  const scrolled = window.scrollY > 0;
  const above = (el) => scrolled && el.getBoundingClientRect().bottom < 0;
  const out = scrolled ? ['(scrolled down: what is above is not shown)\n'] : [];
  let next = 1;
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = clean(node.textContent);
      if (text) out.push(`${text} `);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || SKIP.has(node.tagName) || hidden(node)) return;
    if (above(node)) return;
    const block = BLOCK.test(node.tagName);
    if (block) out.push('\n');
    if (node.matches(INTERACTIVE)) {
      const n = next++;
      node.setAttribute(ATTR, String(n));
      out.push(`[${n}] ${describe(node)} `);
    } else {
      for (const child of node.childNodes) walk(child);
    }
    if (block) out.push('\n');
  };
  walk(document.body || document.documentElement);
  const text = out.join('').split('\n').map((line) => line.trim()).filter(Boolean).join('\n');
  return JSON.stringify({ url: location.href, title: document.title, text });
})()
