import { decideCapture, decideRelease } from './credit-account.decide';
import { spendableCredits } from './lot-order';
import { Decide, given } from './test/given';
import { bought, consumed, domain, reserved, t0 } from './test/facts';

const capture = (reservationId: string, credits: number, actionType: string, onDomain = domain): Decide =>
  (s) => decideCapture({ reservationId, domain: onDomain, credits, actionType, now: t0 }, s);
const release = (reservationId: string): Decide => (s) => decideRelease({ reservationId, domain, now: t0 }, s);

describe('reservations', () => {
  it('makes held credits unspendable, captures part and releases the rest', () => {
    const held = given([bought(10, 'cs'), reserved('rs1', 8, 'job1')]);
    expect(spendableCredits(held.account, domain, t0)).toBe(2);
    held.when(consumed(3, 'r1')).thenRejects('insufficient_credits');
    held.when(capture('rs1', 5, 'video')).thenAccepts((_, after) => {
      expect(after.balance).toBe(5);
      expect(spendableCredits(after, domain, t0)).toBe(5);
    });
    const captured = given([bought(10, 'cs'), reserved('rs1', 8, 'job1'), capture('rs1', 5, 'video')]);
    captured.when(capture('rs1', 5, 'video')).thenRepeats();
    captured.when(release('rs1')).thenRejects('reservation_closed');
  });

  it('refuses capturing more than reserved (±1), an unknown or foreign hold, and repeats a release', () => {
    given([bought(10, 'cs'), reserved('rs1', 4, 'job1')]).when(capture('rs1', 5, 'x')).thenRejects('capture_exceeds_reservation');
    const captured = [bought(10, 'cs'), reserved('rs1', 4, 'job1'), capture('rs1', 4, 'x')]; // exactly the reservation
    given(captured).when(capture('rs1', 1, 'x', 'other.test')).thenRejects('reservation_not_found');
    const released = given([...captured, reserved('rs2', 4, 'job2'), release('rs2')]);
    released.when(release('rs2')).thenRepeats();
    expect(spendableCredits(released.account, domain, t0)).toBe(6); // 10 bought, 4 captured, the released hold is spendable again
  });

  it('repeats a reserve with the same referenceId and refuses other credits', () => {
    const held = given([bought(10, 'cs'), reserved('rs1', 4, 'job1')]);
    held.when(reserved('rs-new', 4, 'job1')).thenRepeats({ answer: { reservationId: 'rs1' } });
    held.when(reserved('rs-new', 5, 'job1')).thenRejects('reference_conflict');
    held.when(consumed(1, 'job1')).thenRejects('reference_conflict'); // a hold's referenceId is taken
  });
});
