// Request text that could forge logs or display reordered (control and bidirectional characters) is refused with 400.
import { describe, expect, it } from "vitest";
import { api, seedOrder } from "../helpers";

describe("printable request text", () => {
  it("refuses control and bidirectional characters in initiator, source_system, reason and tags, naming each", async () => {
    const response = await api("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ...seedOrder(),
        initiator: "api:checkout\u0000",
        source_system: "web\u202egnp.exe",
        reason: "checkout\r\nlevel=error forged",
        tags: ["fine", "x\u2066y"],
      }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    expect(error.code).toBe("invalid_request");
    expect(error.details).toEqual(
      ["initiator", "source_system", "reason", "tags[1]"].map((path) => ({
        path,
        message: expect.stringContaining("control characters"),
      })),
    );
  });

  it("still takes text in any script", async () => {
    const response = await api("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...seedOrder(), initiator: "caisse:Zoë", reason: "注文 🚀", tags: ["größe"] }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  });
});
