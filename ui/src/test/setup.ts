// Vitest setup for the jsdom environment: jest-dom matchers, cleanup between tests, and the few layout
// APIs jsdom lacks that the virtualized list and the timeline use.
import "@testing-library/jest-dom/vitest";
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

// jsdom does no layout: give the virtualized list a viewport so it renders rows.
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
Object.defineProperty(HTMLElement.prototype, "clientHeight", {
  configurable: true,
  get(this: HTMLElement) {
    if (this.classList?.contains("conv-list")) return 600;
    return clientHeight?.get?.call(this) ?? 0;
  },
});
const clientWidth = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientWidth");
Object.defineProperty(HTMLElement.prototype, "clientWidth", {
  configurable: true,
  get(this: HTMLElement) {
    if (this.classList?.contains("conv-list")) return 360;
    return clientWidth?.get?.call(this) ?? 0;
  },
});

if (!Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function scrollTo(this: Element, arg?: ScrollToOptions | number, y?: number) {
    const top = typeof arg === "number" ? y : arg?.top;
    if (typeof top === "number") this.scrollTop = top;
  } as Element["scrollTo"];
}

if (!("ResizeObserver" in window)) {
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver = ResizeObserverStub;
}
