// The current time: ticking every second while `fast` (countdowns such as "retry in 12 s"), else every
// 30 seconds (so "Last backup 5 minutes ago" stays true).
import { useEffect, useState } from 'react';

export function useNow(fast: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), fast ? 1000 : 30_000);
    return () => clearInterval(timer);
  }, [fast]);
  return now;
}
