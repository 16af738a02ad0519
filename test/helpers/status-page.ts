// Reading guard's status page in tests: is it self-contained, and what does
// one environment's card say.
import assert from 'node:assert/strict';

/** Tags the page may hold: nothing that runs, embeds or fetches. */
const ALLOWED_TAGS = new Set(
  'html head meta title style body header main footer nav section div p h1 h2 dl dt dd ol ul li span strong code time a svg path circle rect'.split(' '),
);

/**
 * The page loads nothing: no URL at all, no script, no element that fetches,
 * links only to its own fragments, no `url(` or `@import` in its style, and
 * a Content-Security-Policy that forbids fetching anyway.
 */
export function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /https?:\/\//i, 'no URL');
  assert.doesNotMatch(html, /url\(|@import/i, 'no resource in the style');
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`), 'a CSP that forbids fetching');
  for (const [tag, name, attributes] of html.matchAll(/<([A-Za-z][A-Za-z0-9-]*)([^>]*)>/g)) {
    assert.ok(ALLOWED_TAGS.has(name!.toLowerCase()), `unexpected element ${tag}`);
    for (const [, attribute, value] of attributes!.matchAll(/([A-Za-z:-]+)\s*=\s*"([^"]*)"/g)) {
      assert.ok(!/^(?:src|srcset|action|formaction|xlink:href|poster|data|background)$/i.test(attribute!), `no ${attribute}= (${tag})`);
      assert.ok(!/^on/i.test(attribute!), `no event handler (${tag})`);
      if (attribute!.toLowerCase() === 'href') assert.match(value!, /^#[A-Za-z0-9_-]+$/, `links stay on the page (${tag})`);
    }
  }
}

/** The card of environment `name` (its title already escaped as the page escapes it). */
export function cardOf(html: string, name: string): string {
  const cards = html.split('<section class="card').slice(1);
  const card = cards.find((candidate) => candidate.includes(`>${name}</h2>`));
  assert.ok(card, `a card for ${name}`);
  return card.slice(0, card.indexOf('</section>'));
}
