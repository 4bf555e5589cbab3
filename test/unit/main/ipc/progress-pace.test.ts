import { describe, expect, it } from 'vitest'
import { ProgressPace } from '../../../../src-main/ipc/progress-pace'

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A pace of 50 ms on a clock the test sets (`at`); its timers run on the real one. */
function paced() {
  const clock = { t: 0 }
  const sent: number[] = []
  const pace = new ProgressPace<number>(
    (p) => sent.push(p),
    50,
    () => clock.t
  )
  const at = (t: number) => void (clock.t = t)
  return { pace, sent, at }
}

describe('progress events, at most one per interval', () => {
  it('sends the first at once and the last of an interval when it ends', async () => {
    const { pace, sent, at } = paced()
    pace.push(0)
    at(10)
    pace.push(1)
    at(20)
    pace.push(2)
    expect(sent).toEqual([0])
    at(60)
    await settle(120) // the interval's timer (40 ms on the real clock) has fired
    expect(sent).toEqual([0, 2])
    pace.end()
  })

  it('sends nothing after its end, not even from a timer armed before a progress sent at once', async () => {
    const { pace, sent, at } = paced()
    pace.push(0) // sent
    at(10)
    pace.push(1) // within the interval: a timer for the rest of it (40 ms)
    at(200) // a batch's synchronous work ran past the timer's time, its callback not run yet
    pace.push(3) // the interval is over: sent at once
    pace.end() // the job's last word goes out now, from the caller
    await settle(120)
    expect(sent).toEqual([0, 3])
  })
})
