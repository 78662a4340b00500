import { setTimeout as sleep } from 'node:timers/promises';
import { together } from './tx';

describe('together', () => {
  it('returns every branch’s value in order (plain values pass through)', async () => {
    await expect(together([Promise.resolve(1), 'two', sleep(5).then(() => 3), undefined])).resolves.toEqual([1, 'two', 3, undefined]);
  });

  it('throws the first failure in the order given, not the first in time', async () => {
    const cause = sleep(10).then(() => Promise.reject(new Error('the statement that failed')));
    const aborted = Promise.reject(new Error('current transaction is aborted'));
    await expect(together([cause, aborted])).rejects.toThrow('the statement that failed');
  });

  it('settles only once every branch has, so none still runs after the caller gives up', async () => {
    let lateBranchDone = false;
    const late = sleep(20).then(() => {
      lateBranchDone = true;
    });
    await expect(together([Promise.reject(new Error('early')), late])).rejects.toThrow('early');
    expect(lateBranchDone).toBe(true);
  });
});
