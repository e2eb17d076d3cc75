/**
 * A typed client of the vclinks API, for a booking platform's server (with the site's API key)
 * or its browsers (with a scoped token: a staff member's or a client's).
 *
 * The paths, parameters, bodies and answers are the types openapi-typescript generates from
 * the API's own openapi.json (`npm run generate`); openapi-fetch makes the calls. Every answer
 * is `{ data }` or `{ error }`, the error an RFC 9457 problem document.
 *
 *     const vclinks = createVclinksClient({ baseUrl: "https://api.example.com", credential: key });
 *     const { data, error } = await vclinks.GET("/v1/sites/{site}/sessions/{session}/link", {
 *       params: { path: { site, session: "s1" }, query: { audience: "client", booking: "b1" } },
 *     });
 */
import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type VclinksClient = Client<paths>;

export interface VclinksOptions {
  /** The API's base URL, without `/v1` (the stack's ApiUrl output, or `http://127.0.0.1:3000` locally). */
  baseUrl: string;
  /** The site's API key (servers only) or a scoped token from `POST /v1/sites/{site}/tokens` (browsers). */
  credential: string;
  /** Another fetch (tests, older runtimes); the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export function createVclinksClient(options: VclinksOptions): VclinksClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${options.credential}`);
      return request;
    },
  });
  return client;
}
