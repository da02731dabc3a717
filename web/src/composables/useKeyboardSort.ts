import type { DataTableColumnKey, DataTableColumns, DataTableSortOrder, DataTableSortState } from 'naive-ui';
import { computed, h, ref } from 'vue';

const orderText: Record<Exclude<DataTableSortOrder, false>, string> = {
  ascend: ' (sorted ascending)',
  descend: ' (sorted descending)',
};

/**
 * Sortable columns of an `NDataTable` that a keyboard can sort. Naive UI sorts when the header cell is
 * clicked, but the cell is not focusable and has no key handler: here each sortable title is a button
 * inside it, so Tab reaches it and Enter/Space click it, and the click bubbles to the cell, which sorts.
 * Naive UI gives no way to set `aria-sort` on its header cells, so the button's name says the order.
 * The sort is controlled (`sortOrder` from here, `@update:sorter="onUpdateSorter"` on the table) so the
 * titles know it; a column's `defaultSortOrder` is the initial one.
 */
export function useKeyboardSort<T>(base: DataTableColumns<T>) {
  const initial = base.find((c) => 'defaultSortOrder' in c && c.defaultSortOrder);
  const sort = ref<{ key: DataTableColumnKey; order: Exclude<DataTableSortOrder, false> } | null>(
    initial && 'key' in initial && 'defaultSortOrder' in initial && initial.defaultSortOrder
      ? { key: initial.key, order: initial.defaultSortOrder }
      : null,
  );

  const columns = computed<DataTableColumns<T>>(() =>
    base.map((column) => {
      if (!('sorter' in column) || !column.sorter || typeof column.title !== 'string') return column;
      const order = sort.value?.key === column.key ? sort.value.order : false;
      const title = column.title;
      return {
        ...column,
        defaultSortOrder: undefined,
        sortOrder: order,
        title: () =>
          h('button', { type: 'button', class: 'sort-header' }, [
            title,
            order ? h('span', { class: 'visually-hidden' }, orderText[order]) : null,
          ]),
      };
    }),
  );

  function onUpdateSorter(state: DataTableSortState | DataTableSortState[] | null): void {
    const one = Array.isArray(state) ? state[0] : state;
    sort.value = one?.order ? { key: one.columnKey, order: one.order } : null;
  }

  return { columns, onUpdateSorter, sort };
}
