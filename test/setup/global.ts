// Global test set-up: started once for the whole run. Database back-ends are added by test/setup/databases.ts.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
