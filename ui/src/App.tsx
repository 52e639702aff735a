// Root component: the query client (cache keyed by command + args) and the UI state around the shell.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import type { Tab } from "./ipc";
import { Shell } from "./features/shell/Shell";
import { UiStateProvider } from "./features/shell/uiState";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Reads come from the local database and change events invalidate them, so cached data stays
        // fresh until the shell says otherwise.
        staleTime: 30_000,
        gcTime: 5 * 60_000,
        retry: 1,
        refetchOnWindowFocus: false,
      },
    },
  });
}

interface ProvidersProps {
  client: QueryClient;
  initialTab?: Tab;
  autoOpenFirst?: boolean;
  children: ReactNode;
}

export function Providers({ client, initialTab, autoOpenFirst, children }: ProvidersProps) {
  return (
    <QueryClientProvider client={client}>
      <UiStateProvider initialTab={initialTab ?? "mine"} autoOpenFirst={autoOpenFirst ?? true}>
        {children}
      </UiStateProvider>
    </QueryClientProvider>
  );
}

export function App() {
  const [client] = useState(createQueryClient);
  return (
    <Providers client={client}>
      <Shell />
    </Providers>
  );
}
