// Handlers of content/article_publishing: lint the draft, render it to HTML, publish it at a URL.
import { PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
import { nonBlankInput, requireDependency } from "./support";

const DEFAULT_MAX_TITLE_LENGTH = 120;
/** Search results cut titles at about this length; longer ones still publish, with a warning. */
const SEARCH_TITLE_LENGTH = 70;
const MIN_WORDS = 50;
const WORDS_PER_MINUTE = 200;

export class DraftLintHandler extends StepHandler {
  static override handlerName = "draft_lint";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const configured = context.getConfig("max_title_length");
    const maxTitleLength =
      typeof configured === "number" && Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_TITLE_LENGTH;
    const title = nonBlankInput(context, "title");
    if (title === undefined) throw draftInvalid("the title is blank");
    if (title.length > maxTitleLength) {
      throw draftInvalid(`the title is ${title.length} characters; the limit is ${maxTitleLength}`);
    }
    const body = nonBlankInput(context, "body");
    if (body === undefined) throw draftInvalid("the body is blank");

    const wordCount = countWords(body);
    const warnings: string[] = [];
    if (title.length > SEARCH_TITLE_LENGTH)
      warnings.push(`title is longer than ${SEARCH_TITLE_LENGTH} characters and may be cut in search results`);
    if (wordCount < MIN_WORDS) warnings.push(`body has ${wordCount} words, fewer than ${MIN_WORDS}`);
    if (nonBlankInput(context, "author") === undefined) warnings.push("no author given; the article will have no byline");

    return StepHandlerResult.success({
      title,
      word_count: wordCount,
      reading_time_minutes: Math.max(1, Math.ceil(wordCount / WORDS_PER_MINUTE)),
      warnings,
    });
  }
}

export class HtmlRenderHandler extends StepHandler {
  static override handlerName = "html_render";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const lint = requireDependency(context, "lint_draft");
    const title = typeof lint.title === "string" ? lint.title : (nonBlankInput(context, "title") ?? "");
    const paragraphs = toParagraphs(context.getInputOr("body", ""));
    const author = nonBlankInput(context, "author");

    const html = [
      `<h1>${escapeHtml(title)}</h1>`,
      ...(author === undefined ? [] : [`<p class="byline">By ${escapeHtml(author)}</p>`]),
      ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ].join("\n");
    return StepHandlerResult.success({
      html,
      paragraph_count: paragraphs.length,
      word_count: lint.word_count,
      reading_time_minutes: lint.reading_time_minutes,
    });
  }
}

export class PublishHandler extends StepHandler {
  static override handlerName = "publish";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const baseUrl = context.getConfig("base_url");
    if (typeof baseUrl !== "string" || !/^https?:\/\/\S+$/.test(baseUrl)) {
      throw new PermanentError("handler initialization base_url must be an http(s) URL", { errorCode: "invalid_config" });
    }
    const rendered = requireDependency(context, "render_html");
    const slug = slugify(nonBlankInput(context, "title") ?? "");
    return StepHandlerResult.success({
      url: `${baseUrl.replace(/\/+$/, "")}/${slug}`,
      slug,
      published: true,
      paragraph_count: rendered.paragraph_count,
    });
  }
}

/** `"Hello, Édge!"` → `"hello-edge"`: ASCII letters and digits joined by single hyphens. */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug === "" ? "article" : slug;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Paragraphs are separated by blank lines; line breaks inside one paragraph are spaces. */
function toParagraphs(body: unknown): string[] {
  if (typeof body !== "string") return [];
  return body
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p !== "");
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => w !== "").length;
}

function draftInvalid(message: string): PermanentError {
  return new PermanentError(`draft rejected: ${message}`, { errorCode: "draft_invalid" });
}
