/**
 * The one way a page shows what went wrong (an alert) and what a write did (a status line).
 * Takes several errors (a write's and a load's) and shows the first that is set.
 */
export function Problem(props: {
  error?: string | Error | undefined | (string | Error | undefined)[];
  status?: string;
}) {
  const errors = Array.isArray(props.error) ? props.error : [props.error];
  const first = errors.map((e) => (e instanceof Error ? e.message : e)).find((e) => e);
  return (
    <>
      {first ? (
        <p class="error" role="alert">
          {first}
        </p>
      ) : null}
      {props.status ? <p role="status">{props.status}</p> : null}
    </>
  );
}
