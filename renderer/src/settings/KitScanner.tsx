// The camera view that reads the recovery kit's QR code: it opens the camera (video only), decodes each
// new frame, and as soon as a frame holds a kit it stops the camera and hands the text on, keeping none
// of it. The camera is stopped too when the user stops it, when it fails, and when the view goes away.
import { useEffect, useRef, useState } from 'react';
import { cameraProblem, kitInFrame } from './kit-qr.js';

interface KitScannerProps {
  /** A kit's text was read (the camera is already off). */
  onKit: (text: string) => void;
  /** The camera could not start or stopped working (the camera is off), in plain words. */
  onProblem: (message: string) => void;
  /** "Stop the camera". */
  onStop: () => void;
}

export function KitScanner({ onKit, onProblem, onStop }: KitScannerProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const stopRef = useRef<HTMLButtonElement>(null);
  const [looking, setLooking] = useState(false);
  // The latest callbacks, so the camera is opened once per view, not on every render.
  const handlers = useRef({ onKit, onProblem });
  handlers.current = { onKit, onProblem };

  useEffect(() => {
    const video = videoRef.current;
    const context = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    if (!video || !context) return;
    stopRef.current?.focus();
    let stream: MediaStream | null = null;
    let frameRequest: number | null = null;
    let off = false;
    const stopCamera = () => {
      off = true;
      if (frameRequest !== null) video.cancelVideoFrameCallback(frameRequest);
      for (const track of stream?.getTracks() ?? []) track.stop();
      stream = null;
      video.srcObject = null;
    };
    const scan = () => {
      frameRequest = null;
      if (off) return;
      const { videoWidth: width, videoHeight: height } = video;
      let text: string | null = null;
      if (width > 0 && height > 0) {
        context.canvas.width = width;
        context.canvas.height = height;
        context.drawImage(video, 0, 0, width, height);
        text = kitInFrame(context.getImageData(0, 0, width, height));
      }
      if (text) {
        stopCamera();
        handlers.current.onKit(text);
      } else {
        frameRequest = video.requestVideoFrameCallback(scan);
      }
    };
    navigator.mediaDevices.getUserMedia({ video: true, audio: false }).then(
      (opened) => {
        if (off) {
          for (const track of opened.getTracks()) track.stop();
          return;
        }
        stream = opened;
        for (const track of opened.getTracks()) {
          track.addEventListener('ended', () => {
            if (off) return;
            stopCamera();
            handlers.current.onProblem('The camera stopped.');
          });
        }
        video.srcObject = opened;
        setLooking(true);
        frameRequest = video.requestVideoFrameCallback(scan);
      },
      (err: unknown) => {
        if (off) return;
        off = true;
        handlers.current.onProblem(cameraProblem(err));
      },
    );
    return stopCamera;
  }, []);

  return (
    <div className="kit-scanner">
      <video
        ref={videoRef}
        aria-label="Camera view: hold your recovery kit's QR code up to the camera"
        autoPlay
        muted
        playsInline
      />
      <p className="field-hint" aria-live="polite">
        {looking
          ? 'Looking for the QR code… Hold it flat and still, about a hand’s width from the camera.'
          : 'Starting the camera…'}
      </p>
      <div>
        <button type="button" ref={stopRef} onClick={onStop}>
          Stop the camera
        </button>
      </div>
    </div>
  );
}
