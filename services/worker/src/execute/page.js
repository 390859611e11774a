(async (S) => {
  // The pool's tracker (pool/tracker.js) has watched the page since its document began;
  // without it (a tab it could not prepare) only DOM changes from now on are seen.
  const A = window.__jetcrawlActivity || (() => {
    const own = {
      inflight: 0, timers: new Set(), lastActivity: performance.now(), lastNetwork: -Infinity,
      setTimeout: setTimeout.bind(window), clearTimeout: clearTimeout.bind(window),
      now: () => performance.now(),
    };
    new MutationObserver(() => { own.lastActivity = performance.now(); })
      .observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    return own;
  })();
  // The page's own timers are tracked (and may be patched): ours use the originals.
  const sleep = (ms) => new Promise((resolve) => A.setTimeout(resolve, ms));
  const norm = (text) => (text || '').replace(/\s+/g, ' ').trim();
  const fail = (cls, message) => ({ ok: false, class: cls, message });
  const quote = (text) => JSON.stringify(text);
  const started = Date.now();
  const jobDeadline = S.deadline_at_ms;
  const status = () => {
    try {
      const entry = performance.getEntriesByType('navigation')[0];
      return entry && entry.responseStatus ? entry.responseStatus : 0;
    } catch (_) {
      return 0;
    }
  };
  // Resolves to check()'s value as soon as it is truthy (checked at every DOM change and
  // every pollMs), or to null at the deadline; rejects when check throws.
  const waitUntil = (check, deadline, pollMs) => new Promise((resolve, reject) => {
    let timer = 0;
    let lastTest = 0;
    const observer = new MutationObserver(() => {
      if (Date.now() - lastTest >= 10) test();
    });
    const stop = () => { observer.disconnect(); A.clearTimeout(timer); };
    const test = () => {
      lastTest = Date.now();
      let value;
      try {
        value = check();
      } catch (error) {
        stop();
        reject(error);
        return;
      }
      if (value) { stop(); resolve(value); return; }
      const left = deadline - Date.now();
      if (left <= 0) { stop(); resolve(null); return; }
      A.clearTimeout(timer);
      timer = A.setTimeout(test, Math.max(1, Math.min(pollMs, left)));
    };
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    test();
  });
  const textPresent = (text, selector) => {
    const root = selector ? document.querySelector(selector) : document.body;
    if (!root) return false;
    return norm(root.innerText === undefined ? root.textContent : root.innerText).includes(norm(text));
  };
  // True for a loaded document that cannot change any more: no script, no inline event
  // handler, no frame or plugin that could script it, no refresh. Such a page needs no
  // quiet window. Looked at once, after the load event: without a script nothing can
  // add one.
  let inertDocument = null;
  const inert = () => {
    if (inertDocument !== null) return inertDocument;
    const scriptable = document.querySelector('script, iframe, frame, object, embed, meta[http-equiv="refresh" i]');
    const handlers = () => {
      for (const element of document.getElementsByTagName('*')) {
        for (const attribute of element.attributes) {
          if (attribute.name.startsWith('on')) return true;
        }
      }
      return false;
    };
    inertDocument = !scriptable && !handlers();
    return inertDocument;
  };
  // What still keeps the page from being quiet (null when nothing does) and when to
  // look again; quiet time before `quietFrom` does not count.
  const busy = (rule, quietFrom) => {
    if (document.readyState !== 'complete') return ['the load event', 10];
    if (rule === 'load') return null;
    if (A.inflight > 0) return [`${A.inflight} request(s) in flight`, 10];
    const t = A.now();
    if (rule === 'network_idle') {
      const idle = t - Math.max(A.lastNetwork, quietFrom);
      return idle >= S.quiet_ms ? null : ['network activity', S.quiet_ms - idle];
    }
    if (A.timers.size > 0) return [`${A.timers.size} timer(s) due within 1000 ms`, 10];
    if (inert()) return null;
    const quiet = t - Math.max(A.lastActivity, quietFrom);
    return quiet >= S.quiet_ms ? null : ['DOM changes', S.quiet_ms - quiet];
  };
  // Waits for the job's settle rule, bounded by its timeout and the job deadline (less a
  // margin to read the page); says whether the rule held or the bound came first.
  const settle = async () => {
    const rule = S.settle.rule;
    const begin = Date.now();
    const bound = Math.min(begin + S.settle.timeout_ms, jobDeadline - S.margin_ms);
    const outcome = (settled, pending) => ({ rule, settled, waited_ms: Date.now() - begin, pending });
    if (rule === 'selector' || rule === 'text') {
      const check = rule === 'selector'
        ? () => document.querySelector(S.settle.selector)
        : () => textPresent(S.settle.text, '');
      const found = await waitUntil(check, bound, 25);
      const what = rule === 'selector' ? `selector ${quote(S.settle.selector)}` : `text ${quote(S.settle.text)}`;
      return found ? outcome(true, null) : outcome(false, what);
    }
    // Quiet time counts only while the page could run: after a stall (a busy machine)
    // its overdue timers fire before we look again, and the window starts over. The
    // first look waits one turn for the same reason.
    let quietFrom = -Infinity;
    let wake = 0;
    for (;;) {
      const asleep = A.now();
      await sleep(wake);
      const t = A.now();
      if (t - asleep - wake > S.quiet_ms / 2) quietFrom = t;
      const pending = busy(rule, quietFrom);
      if (!pending) return outcome(true, null);
      const left = bound - Date.now();
      if (left <= 0) return outcome(false, pending[0]);
      wake = Math.max(2, Math.min(pending[1], left));
    }
  };
  const find = async (selector, deadline, what, limit) => {
    let element;
    try {
      element = await waitUntil(() => document.querySelector(selector), deadline, 50);
    } catch (_) {
      return [null, fail('invalid_spec', `${what}: ${quote(selector)} is not a valid CSS selector`)];
    }
    if (element) return [element, null];
    return [null, fail('timeout', `${what}: selector ${quote(selector)} matched nothing within ${limit} ms`)];
  };
  const findText = async (step, deadline, what, limit) => {
    const where = step.selector ? ` in ${quote(step.selector)}` : '';
    try {
      if (await waitUntil(() => textPresent(step.text, step.selector), deadline, 50)) return null;
    } catch (_) {
      return fail('invalid_spec', `${what}: ${quote(step.selector)} is not a valid CSS selector`);
    }
    return fail('timeout', `${what}: text ${quote(step.text)} did not appear${where} within ${limit} ms`);
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
    if (step.op === 'wait_for_text') return findText(step, deadline, what, limit);
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
    let settled = null;
    if (S.wait_ready) {
      // The document must be parsed; the settle rule then decides when it is ready.
      const deadline = Math.min(started + S.ready_timeout_ms, jobDeadline);
      while (document.readyState === 'loading') {
        if (Date.now() >= deadline) return fail('timeout', `the page did not finish loading within ${S.ready_timeout_ms} ms`);
        await sleep(10);
      }
      try {
        settled = await settle();
      } catch (_) {
        return fail('invalid_spec', `spec.settle.selector ${quote(S.settle.selector)} is not a valid CSS selector`);
      }
      const code = status();
      if (code >= 400) return { ok: true, status: code, url: location.href, data, settle: settled };
    }
    for (const step of S.steps) {
      const error = await runStep(step, data);
      if (error) return error;
    }
    if (S.final_extract) merge(data, extract(null));
    return { ok: true, status: status(), url: location.href, data, settle: settled };
  } catch (error) {
    if (error && error.cls) return fail(error.cls, error.message);
    return fail('script', `the page script failed: ${error && error.message ? error.message : error}`);
  }
})
