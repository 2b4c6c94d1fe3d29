package dev.vmbox.model.gguf;

import java.util.List;

/**
 * An array value. Only the first {@link GgufLimits#retainedArrayElements()} elements are kept in memory
 * (a tokenizer's vocabulary has 150 000 strings nobody needs for sizing); the rest are read and checked,
 * then dropped.
 *
 * @param elementType the type of the elements ({@link GgufValueType#ARRAY} for nested arrays)
 * @param length      the number of elements in the file
 * @param head        the retained elements: Long, Double, Boolean, String or GgufArray
 */
public record GgufArray(GgufValueType elementType, long length, List<Object> head) {
    public GgufArray {
        head = List.copyOf(head);
    }

    /** Whether every element is in {@link #head()}. */
    public boolean complete() {
        return head.size() == length;
    }
}
