// The handlers of billing/invoice_run: load the account, rate its usage, compute and render the invoice.
import { PermanentError, type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
import { type Account, findAccount, planOf } from "./catalog";
import { formatCents, HANDLED_BY, requireResult } from "./support";

export interface LineItem {
  sku: string;
  description: string;
  quantity: number;
  billable_quantity: number;
  amount_cents: number;
}

interface LoadedAccount {
  account: Account;
}

interface RatedUsage {
  line_items: LineItem[];
  subtotal_cents: number;
}

interface Invoice {
  invoice_number: string;
  account_id: string;
  account_name: string;
  period: string;
  currency: string;
  line_items: LineItem[];
  subtotal_cents: number;
  credit_applied_cents: number;
  tax_cents: number;
  total_cents: number;
}

export class LoadAccountHandler extends StepHandler {
  static override handlerName = "load_account";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const accountId = context.getInput<string>("account_id") ?? "";
    const account = findAccount(accountId);
    // Neither is transient: retrying an unknown or suspended account only delays the same answer.
    if (account === undefined) {
      throw new PermanentError(`no account ${accountId}`, { errorCode: "account_not_found", context: { account_id: accountId } });
    }
    if (account.status !== "active") {
      throw new PermanentError(`account ${accountId} is ${account.status}`, {
        errorCode: "account_suspended",
        context: { account_id: accountId },
      });
    }
    return StepHandlerResult.success({ account, handled_by: HANDLED_BY });
  }
}

export class RateUsageHandler extends StepHandler {
  static override handlerName = "rate_usage";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const { account } = requireResult<LoadedAccount>(context, "load_account");
    const plan = planOf(account);
    const lineItems: LineItem[] = [
      { sku: "plan_fee", description: `${account.plan} plan`, quantity: 1, billable_quantity: 1, amount_cents: plan.fee_cents },
    ];
    for (const [sku, quantity] of usageBySku(context)) {
      const price = Object.hasOwn(plan.prices, sku) ? plan.prices[sku] : undefined;
      if (price === undefined) {
        throw new PermanentError(`the ${account.plan} plan has no price for ${sku}`, {
          errorCode: "unknown_sku",
          context: { sku },
        });
      }
      const billable = Math.max(0, quantity - price.included);
      lineItems.push({
        sku,
        description: price.description,
        quantity,
        billable_quantity: billable,
        amount_cents: Math.ceil(billable / price.block_size) * price.block_price_cents,
      });
    }
    const subtotal = lineItems.reduce((sum, item) => sum + item.amount_cents, 0);
    return StepHandlerResult.success({ line_items: lineItems, subtotal_cents: subtotal, handled_by: HANDLED_BY });
  }
}

export class ComputeInvoiceHandler extends StepHandler {
  static override handlerName = "compute_invoice";

  async call(context: StepContext): Promise<StepHandlerResult> {
    const { account } = requireResult<LoadedAccount>(context, "load_account");
    const { line_items, subtotal_cents } = requireResult<RatedUsage>(context, "rate_usage");
    const period = context.getInput<string>("period") ?? "";
    // Credit comes off before tax, as prepaid credit is a payment in advance, not a discount on tax.
    const creditApplied = Math.min(account.credit_cents, subtotal_cents);
    const tax = Math.round(((subtotal_cents - creditApplied) * account.tax_rate_bp) / 10_000);
    const invoice: Invoice = {
      // Derived from the account and period, so a re-run of the same period yields the same number.
      invoice_number: `INV-${period.replace("-", "")}-${account.account_id}`,
      account_id: account.account_id,
      account_name: account.name,
      period,
      currency: account.currency,
      line_items,
      subtotal_cents,
      credit_applied_cents: creditApplied,
      tax_cents: tax,
      total_cents: subtotal_cents - creditApplied + tax,
    };
    return StepHandlerResult.success({ invoice, handled_by: HANDLED_BY });
  }
}

export class RenderInvoiceHandler extends StepHandler {
  static override handlerName = "render_invoice";

  /** A real bundle would render a PDF and put it in R2; plain text keeps the example offline and exact. */
  async call(context: StepContext): Promise<StepHandlerResult> {
    const { invoice } = requireResult<{ invoice: Invoice }>(context, "compute_invoice");
    const document = renderText(invoice);
    const bytes = new TextEncoder().encode(document);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return StepHandlerResult.success({
      invoice_number: invoice.invoice_number,
      content_type: "text/plain; charset=utf-8",
      byte_length: bytes.byteLength,
      sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
      document,
      handled_by: HANDLED_BY,
    });
  }
}

/** Usage quantities summed per SKU, in the order the SKUs first appear. */
function usageBySku(context: StepContext): Map<string, number> {
  const usage = context.getInputOr<unknown[]>("usage", []);
  const bySku = new Map<string, number>();
  for (const [index, line] of usage.entries()) {
    const { sku, quantity } = (line ?? {}) as { sku?: unknown; quantity?: unknown };
    // The template's input_schema already refused these; a task created another way still fails cleanly.
    if (typeof sku !== "string" || typeof quantity !== "number" || !Number.isFinite(quantity) || quantity < 0) {
      throw new PermanentError(`usage[${index}] needs a sku and a non-negative quantity`, { errorCode: "invalid_usage" });
    }
    bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  }
  return bySku;
}

function renderText(invoice: Invoice): string {
  const money = (cents: number) => formatCents(cents, invoice.currency).padStart(16);
  const lines = [
    `INVOICE ${invoice.invoice_number}`,
    `${invoice.account_name} (${invoice.account_id}), period ${invoice.period}`,
    "",
    ...invoice.line_items.map(
      (item) => `${item.description.padEnd(28)}${String(item.billable_quantity).padStart(10)}${money(item.amount_cents)}`,
    ),
    "",
    `${"Subtotal".padEnd(38)}${money(invoice.subtotal_cents)}`,
    `${"Credit applied".padEnd(38)}${money(-invoice.credit_applied_cents)}`,
    `${"Tax".padEnd(38)}${money(invoice.tax_cents)}`,
    `${"Total due".padEnd(38)}${money(invoice.total_cents)}`,
  ];
  return `${lines.join("\n")}\n`;
}
