/** Small accessible building blocks. */
import { useId, useLayoutEffect, useRef, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react'

export function Button({ variant = 'primary', className, ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger' }) {
  return <button type="button" {...props} className={`btn btn-${variant} ${className ?? ''}`} />
}

export function Field({ label, ...props }: InputHTMLAttributes<HTMLInputElement> & { label: string }) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...props} />
    </div>
  )
}

export function Select({ label, children, ...props }: SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ReactNode }) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...props}>
        {children}
      </select>
    </div>
  )
}

export function Alert({ children, tone = 'error' }: { children: ReactNode; tone?: 'error' | 'warning' | 'success' }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  )
}

/** A secret shown once: monospace, copy button, warning. */
export function SecretOnce({ label, value }: { label: string; value: string }) {
  return (
    <Alert tone="warning">
      <p>
        <strong>{label}</strong> — copy it now: it is shown only once and cannot be retrieved later.
      </p>
      <code className="secret" data-testid="secret">
        {value}
      </code>
      <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(value)}>
        Copy
      </Button>
    </Alert>
  )
}

/**
 * A table with a caption and column headers. Each cell carries its column's name (`data-label`), so
 * that on narrow screens (CSS) every row stacks into a labelled card instead of scrolling sideways.
 */
export function Table({ caption, head, children }: { caption: string; head: string[]; children: ReactNode }) {
  const ref = useRef<HTMLTableElement>(null)
  useLayoutEffect(() => {
    for (const row of Array.from(ref.current?.tBodies[0]?.rows ?? [])) {
      Array.from(row.cells).forEach((cell, i) => cell.setAttribute('data-label', head[i] ?? ''))
    }
  })
  return (
    <div className="table-wrap">
      <table ref={ref} className="stack">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}

export const when = (iso: string | null | undefined) => (iso === null || iso === undefined ? '—' : new Date(iso).toLocaleString())
