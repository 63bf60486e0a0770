export declare const benchTemplates: {
  path: string;
  source: string;
}[];
