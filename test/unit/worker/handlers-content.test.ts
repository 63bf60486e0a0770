import { describe, expect, it } from "vitest";
import { DraftLintHandler, HtmlRenderHandler, PublishHandler } from "../../../examples/orchestrator/src/handlers";
import { escapeHtml, slugify } from "../../../examples/orchestrator/src/handlers/content";
import { contextFor } from "./claimed";

const lint = (context: Record<string, unknown>, max_title_length = 120) =>
  new DraftLintHandler().call(contextFor({ task: { context }, step: { initialization: { max_title_length } } }));

describe("DraftLintHandler", () => {
  it("counts words and warns about a short body and a missing author", async () => {
    const result = await lint({ title: "Hello, edge", body: "First paragraph.\n\nSecond paragraph." });
    expect(result.result).toEqual({
      title: "Hello, edge",
      word_count: 4,
      reading_time_minutes: 1,
      warnings: ["body has 4 words, fewer than 50", "no author given; the article will have no byline"],
    });
  });

  it("has no warnings for a long enough draft with an author", async () => {
    const result = await lint({ title: "T", body: "word ".repeat(60), author: "Ada" });
    expect(result.result).toMatchObject({ word_count: 60, warnings: [] });
  });

  it("rejects a title longer than max_title_length, or blank, with draft_invalid", async () => {
    await expect(lint({ title: "x".repeat(11), body: "b" }, 10)).rejects.toMatchObject({
      name: "PermanentError",
      code: "draft_invalid",
    });
    await expect(lint({ title: " ", body: "b" })).rejects.toMatchObject({ code: "draft_invalid" });
    await expect(lint({ title: "T", body: "" })).rejects.toMatchObject({ code: "draft_invalid" });
  });
});

describe("HtmlRenderHandler", () => {
  it("renders the title and each paragraph as escaped HTML", async () => {
    const context = contextFor({
      task: { context: { title: "A <b> title", body: "One & two\nlines.\n\n<script>x</script>", author: "Ada" } },
      dependency_results: { lint_draft: { title: "A <b> title", word_count: 5, reading_time_minutes: 1 } },
    });
    const result = await new HtmlRenderHandler().call(context);
    expect(result.result).toEqual({
      html: [
        "<h1>A &lt;b&gt; title</h1>",
        '<p class="byline">By Ada</p>',
        "<p>One &amp; two lines.</p>",
        "<p>&lt;script&gt;x&lt;/script&gt;</p>",
      ].join("\n"),
      paragraph_count: 2,
      word_count: 5,
      reading_time_minutes: 1,
    });
  });

  it("needs the lint result", async () => {
    await expect(new HtmlRenderHandler().call(contextFor({ task: { context: { body: "b" } } }))).rejects.toMatchObject({
      code: "missing_dependency",
    });
  });
});

describe("PublishHandler", () => {
  const publish = (title: string, base_url: unknown = "https://blog.example.com/") =>
    new PublishHandler().call(
      contextFor({
        task: { context: { title } },
        step: { initialization: { base_url } },
        dependency_results: { render_html: { paragraph_count: 2 } },
      }),
    );

  it("publishes at base_url plus the slug of the title", async () => {
    expect((await publish("Hello, edge")).result).toEqual({
      url: "https://blog.example.com/hello-edge",
      slug: "hello-edge",
      published: true,
      paragraph_count: 2,
    });
  });

  it("fails permanently without a usable base_url", async () => {
    await expect(publish("T", null)).rejects.toMatchObject({ code: "invalid_config" });
    await expect(publish("T", "blog.example.com")).rejects.toMatchObject({ code: "invalid_config" });
  });
});

describe("slugify and escapeHtml", () => {
  it("slugs to lowercase ASCII words joined by hyphens", () => {
    expect(slugify("  Crème Brûlée: 10 Tips!  ")).toBe("creme-brulee-10-tips");
    expect(slugify("¿¿??")).toBe("article");
    expect(slugify("a".repeat(100)).length).toBe(80);
  });

  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
