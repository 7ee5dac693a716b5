import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { REFUSALS, completeTaskUpdate } from '@retain/workflows';
import { ApiError, ERROR_CATALOGUE } from '../problems/error-codes';
import { REFUSAL_CODES } from '../problems/refusal-codes';
import { executeWorkflowUpdate } from './workflow-updates';

const update = completeTaskUpdate;

/** A client whose update fails the way a workflow validator refuses. */
function refusingClient(type: string) {
  return {
    workflow: {
      getHandle: () => ({
        executeUpdate: async () => {
          throw new WorkflowUpdateFailedError(
            'refused',
            ApplicationFailure.create({ type, message: `refused: ${type}`, nonRetryable: true }),
          );
        },
      }),
    },
  } as unknown as Parameters<typeof executeWorkflowUpdate>[0];
}

async function codeOf(type: string): Promise<string> {
  try {
    await executeWorkflowUpdate(
      refusingClient(type),
      'wf',
      update,
      { taskId: 't', by: 'u' },
      { closedCode: 'SAVE.CLOSED' },
    );
    return 'answered';
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
}

describe('one refusal vocabulary: every workflow refusal is the 4xx it means', () => {
  const all = Object.values(REFUSALS).flatMap((w) => Object.values(w));

  it('maps each refusal of every workflow to a 4xx code, and nothing else', async () => {
    expect(Object.keys(REFUSAL_CODES).sort()).toEqual([...all].sort());
    for (const type of all) {
      const code = await codeOf(type);
      expect([type, code, ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE]?.status]).toEqual([
        type,
        REFUSAL_CODES[type],
        expect.any(Number),
      ]);
      expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status).toBeLessThan(500);
    }
  });

  it("answers a refusal no table knows (a newer worker's) with a 409, never a 500", async () => {
    expect(await codeOf('SomethingNew')).toBe('WORKFLOW.REFUSED');
    expect(ERROR_CATALOGUE['WORKFLOW.REFUSED'].status).toBe(409);
  });

  it("keeps the monitoring's and the win-back's refusals apart", async () => {
    expect(await codeOf(REFUSALS.monitoring.notFound)).toBe('MONITORING.TASK_NOT_FOUND');
    expect(await codeOf(REFUSALS.winBack.notFound)).toBe('WIN_BACK.TOUCHPOINT_NOT_FOUND');
  });
});
