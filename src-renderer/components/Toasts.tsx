import { useAppStore } from '../store'

/**
 * The one place notifications show (mounted once, in App): each clears itself, holds while the
 * pointer or keyboard focus is on it, and has a close button. The region is always present, so
 * screen readers announce what is added to it (aria-live polite). Errors are never toasts: they
 * stay beside what failed (ErrorNote).
 */
export function Toasts() {
  const toasts = useAppStore((s) => s.toasts)
  const dismiss = useAppStore((s) => s.dismissToast)
  const pause = useAppStore((s) => s.pauseToasts)
  const resume = useAppStore((s) => s.resumeToasts)
  return (
    <section
      className="toasts"
      aria-label="Notifications"
      aria-live="polite"
      data-testid="toasts"
      onMouseEnter={pause}
      onMouseLeave={(e) => {
        if (!e.currentTarget.contains(document.activeElement)) resume()
      }}
      onFocus={pause}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) resume()
      }}
    >
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`} data-testid="toast" data-tone={t.tone}>
          <span className="toast-icon" aria-hidden="true">
            {t.tone === 'warning' ? '⚠' : t.tone === 'info' ? 'ℹ' : '✓'}
          </span>
          <span className="toast-message">{t.message}</span>
          <button
            type="button"
            className="toast-close"
            aria-label="Dismiss notification"
            data-testid="toast-close"
            onClick={() => dismiss(t.id)}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  )
}
