// Renders the whole app shell around a fresh query client (no retries) for behaviour tests.
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createQueryClient, Providers } from "../App";
import { Shell } from "../features/shell/Shell";
import type { Tab } from "../ipc";

export function renderApp(opts: { tab?: Tab; autoOpenFirst?: boolean } = {}) {
  const client = createQueryClient();
  client.setDefaultOptions({ queries: { retry: false, staleTime: 0, gcTime: Infinity, refetchOnWindowFocus: false } });
  const user = userEvent.setup();
  const utils = render(
    <Providers client={client} initialTab={opts.tab ?? "mine"} autoOpenFirst={opts.autoOpenFirst ?? false}>
      <Shell />
    </Providers>,
  );
  return { ...utils, user, client };
}
