// The billing catalog: accounts and plan price books, a fixed stand-in for a billing database.

export type PlanId = "starter" | "growth";

export interface Account {
  account_id: string;
  name: string;
  plan: PlanId;
  currency: "EUR" | "USD";
  /** Sales tax in basis points (2000 = 20%): integers keep invoice arithmetic exact. */
  tax_rate_bp: number;
  /** Prepaid credit, applied before tax. */
  credit_cents: number;
  status: "active" | "suspended";
}

export interface Price {
  description: string;
  /** Units billed per block: usage is rounded up to whole blocks. */
  block_size: number;
  block_price_cents: number;
  /** Units per period that the plan fee already covers. */
  included: number;
}

export interface Plan {
  fee_cents: number;
  prices: Readonly<Record<string, Price>>;
}

// Fixed data, so every run of the example gives the same invoice and the bundle needs no network.
const ACCOUNTS: Readonly<Record<string, Account>> = {
  "ACME-001": {
    account_id: "ACME-001",
    name: "Acme Corporation",
    plan: "growth",
    currency: "EUR",
    tax_rate_bp: 2000,
    credit_cents: 5000,
    status: "active",
  },
  "GLOBEX-042": {
    account_id: "GLOBEX-042",
    name: "Globex Inc.",
    plan: "starter",
    currency: "USD",
    tax_rate_bp: 825,
    credit_cents: 0,
    status: "active",
  },
  "INITECH-007": {
    account_id: "INITECH-007",
    name: "Initech LLC",
    plan: "starter",
    currency: "USD",
    tax_rate_bp: 825,
    credit_cents: 0,
    status: "suspended",
  },
};

const PLANS: Readonly<Record<PlanId, Plan>> = {
  starter: {
    fee_cents: 1900,
    prices: {
      api_calls: { description: "API calls (per 1,000)", block_size: 1000, block_price_cents: 5, included: 10_000 },
      storage_gb: { description: "Storage (GB-month)", block_size: 1, block_price_cents: 25, included: 5 },
      seats: { description: "Seats", block_size: 1, block_price_cents: 900, included: 1 },
    },
  },
  growth: {
    fee_cents: 9900,
    prices: {
      api_calls: { description: "API calls (per 1,000)", block_size: 1000, block_price_cents: 2, included: 100_000 },
      storage_gb: { description: "Storage (GB-month)", block_size: 1, block_price_cents: 20, included: 50 },
      seats: { description: "Seats", block_size: 1, block_price_cents: 700, included: 5 },
    },
  },
};

export function findAccount(accountId: string): Account | undefined {
  return Object.hasOwn(ACCOUNTS, accountId) ? ACCOUNTS[accountId] : undefined;
}

export function planOf(account: Pick<Account, "plan">): Plan {
  return PLANS[account.plan];
}
