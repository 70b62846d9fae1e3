// A hold for restores, for EngineServiceOptions.beforeRestorePlacing: a test holds every restore that starts
// before it reads a pack, so that the restore is certainly still running when the test cancels it.

/** `wait` is the engine option; `hold()` holds restores until the function it returns is called. */
export function restoreHold(): { wait: () => Promise<void>; hold: () => () => void } {
  let held: Promise<void> = Promise.resolve();
  return {
    wait: () => held,
    hold() {
      let release = () => {};
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        release();
        held = Promise.resolve();
      };
    },
  };
}
