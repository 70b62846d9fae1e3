// The restore wizard: chat → version → unlock → what → where → progress → done (or what went wrong).
import { type ReactNode, useState } from 'react';
import type { HistoryView } from '../../../src/shared/api.js';
import { api } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';
import { StepList } from '../components/StepList.js';
import { useLoad } from '../hooks/useLoad.js';
import { ChooseContents } from './ChooseContents.js';
import { ChooseDestination } from './ChooseDestination.js';
import { ChooseSource } from './ChooseSource.js';
import { ChooseVersion } from './ChooseVersion.js';
import { RestoreDone } from './RestoreDone.js';
import { RestoreFailed } from './RestoreFailed.js';
import { RestoreProgress } from './RestoreProgress.js';
import type { FixStep } from './restore-advice.js';
import { UnlockStep } from './UnlockStep.js';
import { useRestoreRun } from './useRestoreRun.js';

type Step = 'source' | 'version' | 'unlock' | 'contents' | 'destination';
const STEPS: Step[] = ['source', 'version', 'unlock', 'contents', 'destination'];
const STEP_NAMES = ['Chat', 'Version', 'Unlock', 'Contents', 'Destination', 'Restore'];

function sourceOf(history: HistoryView, versionId: string | null) {
  return history.sources.find((s) => s.versions.some((v) => v.id === versionId));
}

export function RestoreWizard({ initialVersion }: { initialVersion?: string }) {
  const [history] = useLoad(api.history.list);
  const [step, setStep] = useState<Step>(initialVersion ? 'unlock' : 'source');
  const [sourceId, setSourceId] = useState<string | null>(null);
  const [versionId, setVersionId] = useState<string | null>(initialVersion ?? null);
  const [paths, setPaths] = useState<string[] | null>(null);
  const [parent, setParent] = useState<string | null>(null);
  const run = useRestoreRun();

  if (history.state !== 'ready') {
    return (
      <div className="screen">
        <FocusHeading>Restore</FocusHeading>
        {history.state === 'loading' ? (
          <p className="muted">Reading the backup history…</p>
        ) : (
          <Problem
            title="The backup history could not be read"
            message={history.message}
            next="Check that the cloud folder is available, then open Restore again."
          />
        )}
      </div>
    );
  }

  const source = history.value.sources.find((s) => s.id === sourceId) ?? sourceOf(history.value, versionId);
  const version = source?.versions.find((v) => v.id === versionId);
  const goTo = (next: Step | FixStep) => {
    run.reset();
    setStep(next);
  };
  const startOver = () => {
    run.reset();
    setVersionId(null);
    setSourceId(null);
    setPaths(null);
    setStep('source');
  };
  const finishedWell = run.state.phase === 'finished' && run.state.outcome.ok;
  const current = run.state.phase === 'idle' ? STEPS.indexOf(step) : STEPS.length + (finishedWell ? 1 : 0);

  let body: ReactNode;
  if (run.state.phase === 'running') {
    body = <RestoreProgress run={run.state} onCancel={run.cancel} />;
  } else if (run.state.phase === 'finished') {
    body = run.state.outcome.ok ? (
      <RestoreDone outcome={run.state.outcome} onAgain={startOver} />
    ) : (
      <RestoreFailed outcome={run.state.outcome} onFix={goTo} />
    );
  } else if (step === 'source' || !source) {
    body = (
      <ChooseSource
        sources={history.value.sources}
        selected={source?.id ?? null}
        onSelect={(id) => {
          setSourceId(id);
          setVersionId(null);
        }}
        onNext={() => setStep('version')}
      />
    );
  } else if (step === 'version' || !version) {
    body = (
      <ChooseVersion
        source={source}
        selected={version?.id ?? null}
        onSelect={setVersionId}
        onBack={() => setStep('source')}
        onNext={() => setStep('unlock')}
      />
    );
  } else if (step === 'unlock') {
    body = (
      <UnlockStep version={version} onBack={() => setStep('version')} onNext={() => setStep('contents')} />
    );
  } else if (step === 'contents') {
    body = (
      <ChooseContents
        version={version}
        onBack={goTo}
        onNext={(chosen) => {
          setPaths(chosen);
          setStep('destination');
        }}
      />
    );
  } else {
    body = (
      <ChooseDestination
        version={version}
        parent={parent}
        onParent={setParent}
        onBack={() => setStep('contents')}
        onStart={(folderName) => {
          if (!parent) return;
          void run.start({
            id: version.id,
            destinationParent: parent,
            folderName,
            ...(paths ? { paths } : {}),
          });
        }}
      />
    );
  }

  return (
    <div className="screen">
      <h1 className="screen-title">Restore</h1>
      <StepList label="Restore steps" steps={STEP_NAMES} current={current} />
      {body}
    </div>
  );
}
