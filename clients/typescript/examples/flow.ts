/**
 * The README's flow with the typed client: the site's default account, a service, a session, a
 * booking, then the client's link. `API`, `SITE` and `KEY` come from the environment (`make dev`
 * writes them to .env). Prints what each step answered, as JSON.
 */
import { createVclinksClient } from "../src/index.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: source the .env that \`make dev\` writes`);
  return value;
}

const site = required("SITE");
const vclinks = createVclinksClient({ baseUrl: required("API"), credential: required("KEY") });

const account = await vclinks.PUT("/v1/sites/{site}/vc-account", {
  params: { path: { site } },
  body: { provider: "custom", url: "https://meet.google.com/abc-defg-hij", password: "1234" },
});
const service = await vclinks.PUT("/v1/sites/{site}/services/{service}", {
  params: { path: { site, service: "yoga" } },
  body: { kind: "class", online: true },
});
const session = await vclinks.PUT("/v1/sites/{site}/sessions/{session}", {
  params: { path: { site, session: "s1" } },
  body: { service_id: "yoga", staff_id: "anna", start: "2030-01-07T18:00:00Z", end: "2030-01-07T19:00:00Z" },
});
const booking = await vclinks.PUT("/v1/sites/{site}/sessions/{session}/bookings/{booking}", {
  params: { path: { site, session: "s1", booking: "b1" } },
  body: { client_name: "Bob", client_email: "bob@example.com" },
});
const link = await vclinks.GET("/v1/sites/{site}/sessions/{session}/link", {
  params: { path: { site, session: "s1" }, query: { audience: "client", booking: "b1" } },
});
const refused = await createVclinksClient({ baseUrl: required("API"), credential: `vcl_${site}.wrong` }).GET(
  "/v1/sites/{site}/settings",
  { params: { path: { site } } },
);

console.log(
  JSON.stringify({
    account: account.response.status,
    service: service.response.status,
    session: session.response.status,
    booking: booking.response.status,
    join_url: booking.data?.join_url,
    link: link.data,
    refused: refused.error,
  }),
);
