/** Shared hooks of the pages. */
import { useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'

/** Runs a mutation, then refreshes `key`; the error (problem+json detail) is shown by the caller. */
export function useRun(key: string[]) {
  const queries = useQueryClient()
  const [error, setError] = useState<string>()
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined)
    try {
      await work()
      await queries.invalidateQueries({ queryKey: key })
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  return { error, run }
}
