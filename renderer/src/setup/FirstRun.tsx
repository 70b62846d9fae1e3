// First run: folders → keys → recovery kit → kit check; or joining an existing vault with its kit.
import { useState } from 'react';
import type { RecoveryKitView, SetupState } from '../../../src/shared/api.js';
import { StepList } from '../components/StepList.js';
import { FoldersStep } from './FoldersStep.js';
import { JoinVault } from './JoinVault.js';
import { KitCheckStep } from './KitCheckStep.js';
import { RecoveryKitStep } from './RecoveryKitStep.js';

type Stage = { step: 'folders' } | { step: 'kit' | 'check'; kit: RecoveryKitView } | { step: 'join' };

const STEPS = ['Folders', 'Recovery kit', 'Check'];

export function FirstRun({
  setup,
  onReady,
}: {
  setup: Extract<SetupState, { stage: 'needsSetup' }>;
  onReady: () => void;
}) {
  const [stage, setStage] = useState<Stage>({ step: 'folders' });
  if (stage.step === 'join') {
    return (
      <JoinVault
        defaultWatchDir={setup.defaultWatchDir}
        cloudFolders={setup.cloudFolders}
        onBack={() => setStage({ step: 'folders' })}
        onJoined={onReady}
      />
    );
  }
  const current = stage.step === 'folders' ? 0 : stage.step === 'kit' ? 1 : 2;
  return (
    <>
      <StepList label="Setup steps" steps={STEPS} current={current} />
      {stage.step === 'folders' && (
        <FoldersStep
          defaultWatchDir={setup.defaultWatchDir}
          cloudFolders={setup.cloudFolders}
          pendingKit={setup.pendingKit}
          onKit={(kit) => setStage({ step: 'kit', kit })}
          onJoin={() => setStage({ step: 'join' })}
        />
      )}
      {stage.step === 'kit' && (
        <RecoveryKitStep kit={stage.kit} onContinue={() => setStage({ step: 'check', kit: stage.kit })} />
      )}
      {stage.step === 'check' && (
        <KitCheckStep
          challenge={stage.kit.challenge}
          onBack={() => setStage({ step: 'kit', kit: stage.kit })}
          onConfirmed={onReady}
        />
      )}
    </>
  );
}
