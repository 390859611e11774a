(async (S) => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const norm = (text) => (text || '').replace(/\s+/g, ' ').trim();
  const fail = (cls, message) => ({ ok: false, class: cls, message });
  const quote = (text) => JSON.stringify(text);
  const started = Date.now();
  const jobDeadline = started + S.deadline_ms;
  const status = () => {
    try {
      const entry = performance.getEntriesByType('navigation')[0];
      return entry && entry.responseStatus ? entry.responseStatus : 0;
    } catch (_) {
      return 0;
    }
  };
  // Waits until the DOM has been quiet for settle_ms (capped), or, when `untilMatched`,
  // until every extraction rule matches a non-empty element, whichever comes first.
  const settle = async (deadline, untilMatched) => {
    let last = Date.now();
    const observer = new MutationObserver(() => { last = Date.now(); });
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    const begin = Date.now();
    while (Date.now() - last < S.settle_ms && Date.now() - begin < S.settle_max_ms && Date.now() < deadline) {
      if (untilMatched && allRulesMatch()) break;
      await sleep(25);
    }
    observer.disconnect();
  };
  const allRulesMatch = () => {
    if (S.rules.length === 0) return false;
    try {
      return S.rules.every((rule) => {
        const element = document.querySelector(rule.selector);
        if (!element) return false;
        if (rule.kind === 'attribute') return element.getAttribute(rule.attribute) !== null;
        return rule.kind === 'html' ? element.innerHTML !== '' : norm(element.textContent) !== '';
      });
    } catch (_) {
      return false;
    }
  };
  const find = async (selector, deadline, what, limit) => {
    for (;;) {
      let element;
      try {
        element = document.querySelector(selector);
      } catch (_) {
        return [null, fail('invalid_spec', `${what}: ${quote(selector)} is not a valid CSS selector`)];
      }
      if (element) return [element, null];
      if (Date.now() >= deadline) {
        return [null, fail('timeout', `${what}: selector ${quote(selector)} matched nothing within ${limit} ms`)];
      }
      await sleep(50);
    }
  };
  const extract = (names) => {
    const out = {};
    for (const rule of S.rules) {
      if (names && names.length && !names.includes(rule.name)) continue;
      let elements;
      try {
        elements = Array.from(document.querySelectorAll(rule.selector));
      } catch (_) {
        throw { cls: 'invalid_spec', message: `extraction rule ${quote(rule.name)} has an invalid CSS selector ${quote(rule.selector)}` };
      }
      const values = [];
      for (const element of elements) {
        let value;
        if (rule.kind === 'attribute') value = element.getAttribute(rule.attribute);
        else if (rule.kind === 'html') value = element.innerHTML;
        else value = norm(element.textContent);
        if (value !== null && value !== undefined) values.push(value);
      }
      out[rule.name] = values.length === 0 ? null : (rule.many ? values : values[0]);
    }
    return out;
  };
  const merge = (data, found) => {
    for (const [key, value] of Object.entries(found)) {
      if (value !== null || !(key in data)) data[key] = value;
    }
  };
  const setValue = (element, text) => {
    element.focus();
    const proto = Object.getPrototypeOf(element);
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'value');
    if (descriptor && descriptor.set) descriptor.set.call(element, text);
    else element.value = text;
    element.dispatchEvent(new Event('input', { bubbles: true }));
    element.dispatchEvent(new Event('change', { bubbles: true }));
  };
  const runStep = async (step, data) => {
    const limit = step.timeout_ms;
    const deadline = Math.min(Date.now() + limit, jobDeadline);
    const what = `step ${step.index} (${step.op})`;
    if (step.op === 'extract') {
      merge(data, extract(step.rules));
      return null;
    }
    if (step.op === 'scroll' && !step.selector) {
      window.scrollBy(0, step.pixels);
      await sleep(100);
      return null;
    }
    const [element, error] = await find(step.selector, deadline, what, limit);
    if (error) return error;
    if (step.op === 'click') {
      element.scrollIntoView({ block: 'center' });
      element.click();
    } else if (step.op === 'type') {
      setValue(element, step.text);
    } else if (step.op === 'scroll') {
      element.scrollIntoView({ block: 'center' });
      await sleep(100);
    }
    return null;
  };
  try {
    const data = {};
    if (S.wait_ready) {
      const deadline = Math.min(started + S.ready_timeout_ms, jobDeadline);
      while (document.readyState !== 'complete') {
        if (Date.now() >= deadline) return fail('timeout', `the page did not finish loading within ${S.ready_timeout_ms} ms`);
        await sleep(20);
      }
      // A plain extraction stops waiting as soon as every rule matches (ADR 0008).
      await settle(deadline, S.steps.length === 0 && S.final_extract);
      const code = status();
      if (code >= 400) return { ok: true, status: code, url: location.href, data };
    }
    for (const step of S.steps) {
      const error = await runStep(step, data);
      if (error) return error;
    }
    if (S.final_extract) merge(data, extract(null));
    return { ok: true, status: status(), url: location.href, data };
  } catch (error) {
    if (error && error.cls) return fail(error.cls, error.message);
    return fail('script', `the page script failed: ${error && error.message ? error.message : error}`);
  }
})
