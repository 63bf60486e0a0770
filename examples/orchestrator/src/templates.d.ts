export declare const exampleTemplates: {
  path: string;
  source: string;
}[];
