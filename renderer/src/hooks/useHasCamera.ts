// Whether this computer has a camera (enumerateDevices lists a video input), kept up to date when one
// is plugged in or out. Listing devices needs no permission and opens no camera.
import { useEffect, useState } from 'react';
import { hasCamera } from '../settings/kit-qr.js';

export function useHasCamera(): boolean {
  const [camera, setCamera] = useState(false);
  useEffect(() => {
    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (!devices) return;
    let live = true;
    const look = () =>
      devices.enumerateDevices().then(
        (list) => live && setCamera(hasCamera(list)),
        () => live && setCamera(false),
      );
    void look();
    devices.addEventListener('devicechange', look);
    return () => {
      live = false;
      devices.removeEventListener('devicechange', look);
    };
  }, []);
  return camera;
}
