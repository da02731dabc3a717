/**
 * The local HTTP gateway: plays API Gateway (HTTP API, payload format 2.0) in front of the same handler
 * modules the CDK API deploys, mounted from the same route table, and serves the built SPA.
 *
 * What it copies from the service: header names lower-cased and repeated headers joined with commas;
 * cookies moved to `event.cookies`; the path and path parameters URL-decoded, `rawQueryString` as sent;
 * a structured result written as is, any other result sent as JSON with status 200; a handler that
 * throws answers 500 `{"message":"Internal Server Error"}`; a request body over 6 MB (the Lambda payload
 * limit) answers 413. What it copies from CloudFront: the security headers of the response headers policy
 * (CSP, HSTS, no framing, nosniff, ...) on every response, from the same module (`@spot/shared`). What it
 * does not: authorizers (the handlers verify tokens themselves), throttling,
 * and the Lambda timeout (an overrun is logged, not cut off, so a debugger can pause a handler).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { securityHeadersOf } from '@spot/shared/model/security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { defaultPaths } from './paths';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** A route of the product's table: `handler` names a module under the handlers root. */
export interface ModuleRoute {
  readonly method: string;
  readonly path: string;
  readonly handler: string;
  readonly timeoutSeconds?: number;
}

export type GatewayResult =
  | APIGatewayProxyStructuredResultV2
  | string
  | Record<string, unknown>
  | undefined
  | null;

/** A route served only by the local stack (e.g. `/sandbox/...`), with its handler function. */
export interface ExtraRoute {
  readonly method: string;
  readonly path: string;
  handler(event: APIGatewayProxyEventV2, context: Context): Promise<GatewayResult> | GatewayResult;
}

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<GatewayResult>;

export interface GatewayOptions {
  /** The product's routes (default: `routes` of functions/src/routes.ts, imported on first request). */
  routes?: readonly ModuleRoute[];
  /** Directory of the handler modules (default `functions/src/handlers`). */
  handlersRoot?: string;
  extraRoutes?: readonly ExtraRoute[];
  /** The built SPA (default `web/dist`). */
  webDist?: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Prefix of function names in the Lambda context (`<prefix>-<handler>`). */
  functionPrefix?: string;
  log?: (message: string) => void;
  /**
   * Take the caller's address from the first `x-forwarded-for` hop of requests made from this machine
   * (never of remote ones). For benchmarks simulating many people: the abuse limits count per address,
   * and every simulated person would otherwise share 127.0.0.1's budget. Off by default.
   */
  trustForwardedFor?: boolean;
}

export interface Gateway {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 6 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 10;
/** CloudFront's headers policy, for a plain-http origin (no upgrade-insecure-requests on 127.0.0.1). */
const SECURITY_HEADERS = Object.entries(securityHeadersOf({ https: false }));

interface CompiledRoute {
  method: string;
  path: string;
  match(segments: readonly string[]): Record<string, string> | null;
  invoke: (event: APIGatewayProxyEventV2, context: Context) => Promise<GatewayResult>;
  functionName: string;
  timeoutSeconds: number;
  /** A local-only route (extraRoutes). */
  local: boolean;
}

/**
 * A route path in API Gateway syntax, compiled to a matcher over the request's path segments (each
 * URL-decoded on its own, so `%2F` inside a parameter stays part of it): `{name}` takes one segment,
 * a final `{name+}` takes the rest of the path.
 */
export function compilePath(path: string): {
  params: string[];
  match(segments: readonly string[]): Record<string, string> | null;
} {
  const parts = path.split('/').map((segment) => {
    const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(segment);
    if (greedy) return { kind: 'greedy' as const, name: greedy[1] as string };
    const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
    if (param) return { kind: 'param' as const, name: param[1] as string };
    return { kind: 'literal' as const, value: segment };
  });
  return {
    params: parts.flatMap((p) => (p.kind === 'literal' ? [] : [p.name])),
    match(segments) {
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as (typeof parts)[number];
        const segment = segments[i];
        if (part.kind === 'greedy') {
          const rest = segments.slice(i);
          if (rest.length === 0 || rest.join('') === '') return null;
          params[part.name] = rest.join('/');
          return params;
        }
        if (segment === undefined) return null;
        if (part.kind === 'literal') {
          if (segment !== part.value) return null;
        } else {
          if (segment === '') return null;
          params[part.name] = segment;
        }
      }
      return segments.length === parts.length ? params : null;
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const MISSING_BUILD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spot Optimizer: web app not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>The web app is not built yet</h1>
<p>The API is running, but there is no <code>web/dist</code> to serve. Build it once with</p>
<pre><code>npm run build -w web</code></pre>
<p>and reload this page (no restart needed). <code>npm start</code> builds it for you when it is missing.</p>
</body></html>
`;

function json(statusCode: number, body: unknown, extraHeaders: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...extraHeaders },
    body: JSON.stringify(body),
  } satisfies APIGatewayProxyStructuredResultV2;
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const handlersRoot = options.handlersRoot ?? defaultPaths.handlersRoot;
  const webDist = options.webDist ?? defaultPaths.webDist;
  const functionPrefix = options.functionPrefix ?? 'spot-optimizer-local';
  const modules = new Map<string, Promise<LambdaHandler>>();

  const loadHandler = (handler: string): Promise<LambdaHandler> => {
    let loading = modules.get(handler);
    if (!loading) {
      const file = resolve(handlersRoot, `${handler}.ts`);
      loading = import(pathToFileURL(file).href).then((mod: { handler?: unknown }) => {
        if (typeof mod.handler !== 'function') throw new Error(`${file} does not export a handler function`);
        return mod.handler as LambdaHandler;
      });
      // A module that failed to load is retried on the next request (after the developer fixes it).
      loading.catch(() => modules.delete(handler));
      modules.set(handler, loading);
    }
    return loading;
  };

  let compiled: CompiledRoute[] | undefined;
  const routeTable = async (): Promise<CompiledRoute[]> => {
    if (compiled) return compiled;
    const moduleRoutes = options.routes ?? (await import('@spot/functions/routes')).routes;
    compiled = [
      ...(options.extraRoutes ?? []).map((r) => ({
        method: r.method.toUpperCase(),
        path: r.path,
        match: compilePath(r.path).match,
        invoke: async (event: APIGatewayProxyEventV2, context: Context) => r.handler(event, context),
        functionName: `${functionPrefix}-local${r.path.replace(/[^A-Za-z0-9]+/g, '-')}`,
        timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
        local: true,
      })),
      ...moduleRoutes.map((r) => ({
        method: r.method.toUpperCase(),
        path: r.path,
        match: compilePath(r.path).match,
        invoke: async (event: APIGatewayProxyEventV2, context: Context) =>
          (await loadHandler(r.handler))(event, context),
        functionName: `${functionPrefix}-${r.handler.replace(/[^A-Za-z0-9]+/g, '-')}`,
        timeoutSeconds: r.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        local: false,
      })),
    ];
    return compiled;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`gateway error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) writeResult(res, json(500, { message: 'Internal Server Error' }));
      else res.destroy();
    });
  });

  // Clients keep connections alive between requests (browsers, Playwright's request context). Node
  // closes an idle one after 5 s, and a request sent on it just then fails with ECONNRESET (seen once
  // in a browser test on a loaded machine). An idle limit longer than the clients' own, as API
  // Gateway's and load balancers' are, leaves closing to them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    // On every answer, SPA and API alike, as CloudFront's policy is attached to both behaviours.
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    let segments: string[];
    try {
      segments = url.pathname.split('/').map((segment) => decodeURIComponent(segment));
    } catch {
      writeResult(res, json(400, { message: 'Malformed path' }));
      return;
    }
    const path = segments.join('/');
    const table = await routeTable();
    const matches = table
      .map((route) => ({ route, params: route.match(segments) }))
      .filter((m): m is { route: CompiledRoute; params: Record<string, string> } => m.params !== null);
    const hit = matches.find((m) => m.route.method === method);

    if (!hit) {
      if (matches.length) {
        const allow = [...new Set(matches.map((m) => m.route.method))].join(', ');
        writeResult(res, json(405, { message: `Method ${method} is not allowed on ${path}` }, { allow }));
        return;
      }
      if (path === '/api' || path.startsWith('/api/')) {
        writeResult(res, json(404, { message: `No route for ${method} ${path}` }));
        return;
      }
      await serveSpa(res, method, path);
      return;
    }

    const body = await readBody(req);
    if (body === 'too-large') {
      writeResult(res, json(413, { message: 'Request Entity Too Large' }));
      return;
    }
    const requestId = randomUUID();
    const event = toEvent(
      req,
      url,
      path,
      body,
      requestId,
      `${hit.route.method} ${hit.route.path}`,
      hit.params,
      options.trustForwardedFor ?? false,
    );
    const deadline = Date.now() + hit.route.timeoutSeconds * 1000;
    const context = lambdaContext(hit.route.functionName, requestId, deadline);
    let result: GatewayResult;
    try {
      result = await hit.route.invoke(event, context);
    } catch (err) {
      log(
        `${method} ${path} -> handler threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      writeResult(res, json(500, { message: 'Internal Server Error' }, { 'apigw-requestid': requestId }));
      return;
    }
    const elapsedMs = Date.now() - started;
    if (Date.now() > deadline) {
      log(
        `WARNING ${method} ${path} took ${elapsedMs} ms, over its ${hit.route.timeoutSeconds} s Lambda timeout`,
      );
    }
    const structured = toStructuredResult(result);
    writeResult(res, structured, requestId);
    // The product's handlers log every request themselves; local-only routes and failures are logged here.
    if (hit.route.local || (structured.statusCode ?? 200) >= 500) {
      log(`${method} ${path} ${structured.statusCode} ${elapsedMs} ms`);
    }
  }

  async function serveSpa(res: ServerResponse, method: string, path: string) {
    if (method !== 'GET' && method !== 'HEAD') {
      writeResult(
        res,
        json(405, { message: `Method ${method} is not allowed on ${path}` }, { allow: 'GET, HEAD' }),
      );
      return;
    }
    // The customer onboarding template, as CloudFront serves it in AWS (the role flow links to it).
    if (path.startsWith('/cfn-templates/')) {
      const template = resolve(defaultPaths.cfnTemplates, basename(path));
      if (existsSync(template)) {
        const content = readFileSync(template);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(content.length) });
        res.end(method === 'HEAD' ? undefined : content);
        return;
      }
    }
    const indexFile = join(webDist, 'index.html');
    if (!existsSync(indexFile)) {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : MISSING_BUILD_PAGE);
      return;
    }
    const root = resolve(webDist);
    const candidate = resolve(root, `.${normalize(`/${path}`)}`);
    const inside = candidate === root || candidate.startsWith(root + sep);
    let file: string | undefined;
    if (inside && existsSync(candidate) && statSync(candidate).isFile()) file = candidate;
    else if (extname(path) === '') file = indexFile; // client-side route: the SPA decides
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(method === 'HEAD' ? undefined : `Not found: ${path}\n`);
      return;
    }
    const content = readFileSync(file);
    const immutable = file.startsWith(join(root, 'assets') + sep);
    res.writeHead(200, {
      'content-type': contentTypeOf(file),
      'content-length': String(content.length),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(method === 'HEAD' ? undefined : content);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolveBody(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const loopback = new Set(['127.0.0.1', '::1']);

/** The caller's address: the socket's, or (trusted, from this machine) the first forwarded hop. */
export function sourceIpOf(
  remoteAddress: string | undefined,
  forwardedFor: string | undefined,
  trustForwardedFor: boolean,
): string {
  const socket = (remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  if (!trustForwardedFor || !loopback.has(socket) || !forwardedFor) return socket;
  const first = forwardedFor.split(',')[0]?.trim() ?? '';
  return isIP(first) ? first : socket;
}

/** Builds the payload-format-2.0 event API Gateway would send for this request. */
export function toEvent(
  req: IncomingMessage,
  url: URL,
  decodedPath: string,
  body: Buffer,
  requestId: string,
  routeKey: string,
  pathParameters: Record<string, string>,
  trustForwardedFor = false,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter((c) => c !== '')];
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const rawQueryString = url.search.startsWith('?') ? url.search.slice(1) : '';
  let queryStringParameters: Record<string, string> | undefined;
  for (const [key, value] of url.searchParams) {
    queryStringParameters ??= {};
    queryStringParameters[key] =
      queryStringParameters[key] === undefined ? value : `${queryStringParameters[key]},${value}`;
  }
  const now = new Date();
  const sourceIp = sourceIpOf(req.socket.remoteAddress, headers['x-forwarded-for'], trustForwardedFor);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: decodedPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] as string,
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: decodedPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (Object.keys(pathParameters).length) event.pathParameters = pathParameters;
  if (body.length) event.body = body.toString('utf8');
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The parts of the Lambda context a handler may read; `getRemainingTimeInMillis` counts down. */
export function lambdaContext(functionName: string, requestId: string, deadline: number): Context {
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a value from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** A handler's return value as API Gateway reads it (structured if it has `statusCode`, else JSON 200). */
export function toStructuredResult(result: GatewayResult): APIGatewayProxyStructuredResultV2 {
  if (
    result !== null &&
    typeof result === 'object' &&
    'statusCode' in result &&
    typeof result.statusCode === 'number'
  ) {
    return result as APIGatewayProxyStructuredResultV2;
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(result ?? null),
  };
}

function writeResult(
  res: ServerResponse,
  result: APIGatewayProxyStructuredResultV2,
  requestId?: string,
): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  if (requestId && headers['apigw-requestid'] === undefined) headers['apigw-requestid'] = requestId;
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}
