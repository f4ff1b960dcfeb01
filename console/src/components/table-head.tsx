/** A table's column headings (`scope="col"`, so a screen reader names each cell's column). */
export function TableHead({ columns }: { columns: readonly (string | false)[] }) {
  return (
    <thead>
      <tr>
        {columns
          .filter((column): column is string => column !== false)
          .map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
      </tr>
    </thead>
  );
}
