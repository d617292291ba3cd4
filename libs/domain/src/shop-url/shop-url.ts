import { toHalfWidth } from '../normalize/normalize-code';

/**
 * A shop id as an officer writes it, as platforms give it: ASCII (typed with a Chinese input
 * method, digits come full-width), without spaces around.
 */
export function normalizeShopId(written: string): string {
  return toHalfWidth(written).trim();
}

/** The longest shop URL accepted, before and after normalization. */
export const SHOP_URL_MAX_LENGTH = 2000;

export type ShopUrlParse = { status: 'valid'; url: string } | { status: 'malformed'; reason: string };

/** Query parameters that say how a visitor came to a shop on any site, not which shop it is (lower case). */
const TRACKING_PARAMETERS: ReadonlySet<string> = new Set(['spm', 'scm', 'from', 'ref']);
const TRACKING_PREFIXES = ['utm_', 'share'] as const;

/**
 * What the big platforms' own share and affiliate links add, on their own sites only (elsewhere a
 * parameter of that name may name the shop): sites by domain, with their subdomains; names in
 * lower case, a trailing `*` for a prefix.
 */
const PLATFORM_TRACKING: readonly { readonly sites: readonly string[]; readonly names: readonly string[] }[] =
  [
    {
      // Taobao and Tmall, and the app's share links.
      sites: ['taobao.com', 'tmall.com', 'tb.cn'],
      names: [
        'ali_trackid',
        'ali_refid',
        'pvid',
        'ut_sk',
        'sp_tk',
        'suid',
        'un',
        'un_site',
        '_wv',
        '_wvx',
        'app',
        'bxsign',
        'cpp',
        'shopframeworktype',
        'short_name',
        'sourcetype',
        'spsource',
        'tk',
        'weexshoptab',
        'weexshopsubtab',
      ],
    },
    { sites: ['jd.com', '3.cn'], names: ['cu', 'ptag', 'abt', 'jd_pop'] },
    { sites: ['yangkeduo.com', 'pinduoduo.com'], names: ['refer_share*', '_x_*'] },
    { sites: ['xiaohongshu.com', 'xhslink.com'], names: ['xsec_token', 'xsec_source'] },
  ];

/** Leading host labels that name the same site in another form (desktop `www.`, mobile `m.`, `wap.`). */
const SAME_SITE_LABELS = /^(?:www|m|wap)\./;

/**
 * A shop's mobile host on Taobao and Tmall, the `m.` under the shop's own label
 * (`shop123.m.taobao.com`, `brand.m.tmall.com`): the same shop as without it.
 */
const MOBILE_SHOP_HOST = /^([^.]+)\.m(\.(?:taobao|tmall)\.com)$/;

/** Either scheme's default port: once http and https are one, both are defaults. */
const DEFAULT_PORTS: ReadonlySet<string> = new Set(['80', '443']);

const IPV4_HOST = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Whether a query parameter of a URL on `host` is one of those that say how a visitor came, not
 * which shop: on any site, or on the platform's own.
 */
export function isTrackingParameter(name: string, host = ''): boolean {
  const lower = name.toLowerCase();
  if (TRACKING_PARAMETERS.has(lower) || TRACKING_PREFIXES.some((prefix) => lower.startsWith(prefix)))
    return true;
  return PLATFORM_TRACKING.some(
    ({ sites, names }) =>
      sites.some((site) => host === site || host.endsWith(`.${site}`)) &&
      names.some((n) => (n.endsWith('*') ? lower.startsWith(n.slice(0, -1)) : lower === n)),
  );
}

/** A path without trailing slashes, its percent-escapes in upper case. */
function normalizePath(path: string): string {
  return path.replace(/\/+$/, '').replace(/%[0-9a-f]{2}/gi, (escape) => escape.toUpperCase());
}

/** Query parameters without the tracking ones (on `host`), sorted by name and value. */
function normalizeQuery(parameters: URLSearchParams, host: string): string {
  const kept = [...parameters].filter(([name]) => !isTrackingParameter(name, host));
  kept.sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
  return new URLSearchParams(kept).toString();
}

function malformed(reason: string): ShopUrlParse {
  return { status: 'malformed', reason };
}

/**
 * Normalizes a shop URL (店铺网址) as a platform reports it, so that the same shop written several
 * ways is one shop: full-width forms become half-width, a missing scheme is https, http and https
 * are one, the host is lower-case without a leading `www.`, `m.` or `wap.` (nor the `m.` of a
 * Taobao or Tmall shop's mobile host), default ports,
 * fragments (but a single-page shop's route, `#/…` or `#!/…`, normalized as a path and query),
 * trailing slashes and tracking parameters go, the other query parameters are sorted, and
 * percent-encoding is as the WHATWG URL parser leaves it (with upper-case hex in the path).
 * Never throws.
 */
export function normalizeShopUrl(input: string): ShopUrlParse {
  if (typeof input !== 'string') return malformed('not a string');
  let text = toHalfWidth(input).trim();
  if (text.length === 0) return malformed('empty');
  if (text.length > SHOP_URL_MAX_LENGTH) {
    return malformed(`longer than ${SHOP_URL_MAX_LENGTH} characters`);
  }
  // A scheme is letters before a colon not followed by a digit (`shop.example.com:8080` has none).
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\d)/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) text = `https://${text.replace(/^\/\//, '')}`;
  else if (scheme !== 'http' && scheme !== 'https') return malformed(`not a web address (${scheme}:)`);

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return malformed('not a URL');
  }
  if (url.username !== '' || url.password !== '') return malformed('carries a user name or password');
  let host = url.hostname.replace(/\.+$/, '');
  if (host === '') return malformed('no host');
  if (!host.startsWith('[') && !IPV4_HOST.test(host)) {
    if (!host.includes('.')) return malformed(`host ${host} is not a domain name or an IP address`);
    if (host.split('.').includes('')) return malformed(`host ${host} has an empty label`);
    while (SAME_SITE_LABELS.test(host) && host.replace(SAME_SITE_LABELS, '').includes('.')) {
      host = host.replace(SAME_SITE_LABELS, '');
    }
    host = host.replace(MOBILE_SHOP_HOST, '$1$2');
  }
  const port = DEFAULT_PORTS.has(url.port) ? '' : url.port;
  const path = normalizePath(url.pathname);
  const query = normalizeQuery(url.searchParams, host);
  // A single-page shop's route (#/shop/1001, #!/shop/1001) names the shop, so it is kept, written
  // the same way as a path and a query; any other fragment is a place on the page and goes.
  const route = /^#!?(\/[^?]*)(?:\?(.*))?$/s.exec(url.hash);
  const routePath = route ? normalizePath(route[1]!) : '';
  const routeQuery = route ? normalizeQuery(new URLSearchParams(route[2] ?? ''), host) : '';
  const fragment = routePath || routeQuery ? `#${routePath || '/'}${routeQuery ? `?${routeQuery}` : ''}` : '';

  const normalized = `https://${host}${port ? `:${port}` : ''}${path}${query ? `?${query}` : ''}${fragment}`;
  if (normalized.length > SHOP_URL_MAX_LENGTH) {
    return malformed(`longer than ${SHOP_URL_MAX_LENGTH} characters once normalized`);
  }
  return { status: 'valid', url: normalized };
}
