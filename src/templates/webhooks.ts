// The `webhooks` list a template or a task request names: its zod schema, shared by the template language and the API.
import { z } from "zod";
import { MAX_WEBHOOK_URL_LENGTH, WEBHOOK_EVENTS, WEBHOOK_SECRET_NAME, type WebhookEndpoint } from "../shared/webhooks";

/**
 * One endpoint: `url`, `secret` (the name of the Worker secret that signs deliveries) and `events`
 * (all of them when left out). Whether the URL may be called and the secret exists depends on the
 * deployment, so the API checks those when a task is submitted or a template registered.
 */
export const WebhookEndpointSchema = z
  .strictObject({
    url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH),
    secret: z.string().regex(WEBHOOK_SECRET_NAME, {
      error: "must name a Worker secret (upper case letters, digits and underscores, e.g. WEBHOOK_SECRET_SHOP)",
    }),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).nullish(),
  })
  .transform(
    (endpoint): WebhookEndpoint => ({
      url: endpoint.url,
      secret: endpoint.secret,
      events: endpoint.events ? [...new Set(endpoint.events)] : [...WEBHOOK_EVENTS],
    }),
  );

/** The keys of one endpoint, for "did you mean …?" answers. */
export const WEBHOOK_ENDPOINT_KEYS = ["url", "secret", "events"] as const;
